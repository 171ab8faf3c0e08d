// Number and label formatting shared by the UI (and matched by the e2e specs).

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `101770` → `101,770` (Keras-style thousands separators, independent of the user's locale). */
export const formatCount = (n: number): string => COUNT.format(n);

/** The exact text of the `total-params` element and of the CLI summary's last line. */
export const totalParamsLabel = (n: number): string => `Total params: ${formatCount(n)}`;

export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${formatCount(n)} ${n === 1 ? one : many}`;
