// JSON.stringify of a large document without one long main-thread task (issue #19): the autosave
// of a 10,000-node graph stringified it in one ~0.3–0.6 s task. Records with many entries (a
// document's nodes, edges, layout) are written SLICE entries at a time, yielding between slices;
// the text is exactly JSON.stringify(value) (src/testing/json-slices.test.ts).

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
