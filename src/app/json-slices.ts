// JSON.stringify and deep-freezing of a large document without one long main-thread task (issue
// #19): the autosave of a 10,000-node graph stringified it in one ~0.3–0.6 s task, and loading it
// into history (immer freezes what it stores) took ~1 s. Records with many entries (a document's
// nodes, edges, layout) are handled SLICE entries at a time, yielding between slices; the text is
// exactly JSON.stringify(value) (src/testing/json-slices.test.ts).

const SLICE = 500;

const nextTask = () => new Promise<void>((r) => setTimeout(r, 0));

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  typeof (v as { toJSON?: unknown }).toJSON !== 'function';

/**
 * JSON.stringify(value) (no replacer, no indent), computed in slices: a plain object's members
 * with more than SLICE entries are written SLICE at a time with `pause` between slices.
 */
export async function stringifyInSlices(
  value: unknown,
  pause: () => Promise<void> = nextTask,
): Promise<string> {
  if (!isRecord(value)) return JSON.stringify(value);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    let text: string | undefined;
    if (isRecord(v) && Object.keys(v).length > SLICE) {
      const members: string[] = [];
      const entries = Object.entries(v);
      for (let i = 0; i < entries.length; i += SLICE) {
        for (const [ik, iv] of entries.slice(i, i + SLICE)) {
          const t = JSON.stringify(iv);
          if (t !== undefined) members.push(`${JSON.stringify(ik)}:${t}`);
        }
        await pause();
      }
      text = `{${members.join(',')}}`;
    } else text = JSON.stringify(v);
    // JSON.stringify leaves out members whose value has no JSON form (undefined, functions).
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** Object.freeze on `v` and everything inside it (plain objects and arrays). */
function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  for (const x of Object.values(v)) deepFreeze(x);
  Object.freeze(v);
}

/**
 * Deep-freezes `value` in slices (large records SLICE entries at a time, with `pause` between).
 * A history step that replaces the document (immer) otherwise walks and freezes a 10,000-node
 * document in one ~1 s task; immer skips what is already frozen.
 */
export async function freezeInSlices<T>(value: T, pause: () => Promise<void> = nextTask): Promise<T> {
  if (!isRecord(value)) {
    deepFreeze(value);
    return value;
  }
  for (const v of Object.values(value)) {
    if (isRecord(v) && !Object.isFrozen(v) && Object.keys(v).length > SLICE) {
      const values = Object.values(v);
      for (let i = 0; i < values.length; i += SLICE) {
        for (const x of values.slice(i, i + SLICE)) deepFreeze(x);
        await pause();
      }
    }
    deepFreeze(v);
  }
  Object.freeze(value);
  return value;
}
