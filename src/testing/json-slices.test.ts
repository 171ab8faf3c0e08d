// The autosave's sliced stringify writes exactly what JSON.stringify writes (the oracle), for every
// template, a document with records over the slice size, and members JSON leaves out.
import { describe, expect, it } from 'vitest';
import { stringifyInSlices } from '../app/json-slices.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import { listTemplateIds, readTemplate } from '../node/templates.ts';

const now = () => Promise.resolve();

describe('stringifyInSlices', () => {
  it('equals JSON.stringify on every template', async () => {
    for (const id of listTemplateIds()) {
      const doc = parseGraphText(readTemplate(id)).doc!;
      expect(await stringifyInSlices(doc, now)).toBe(JSON.stringify(doc));
    }
  });

  it('equals JSON.stringify on large records, with undefined and odd keys, and pauses between slices', async () => {
    const nodes: Record<string, unknown> = {};
    for (let i = 0; i < 1_234; i++)
      nodes[i % 7 === 0 ? `${i}` : `n"${i}\u2028`] = { v: i, gone: undefined, f: () => 1 };
    nodes.skipped = undefined;
    const value = { b: 1, nodes, gone: undefined, list: [undefined, 2], meta: { t: 'x' } };
    let pauses = 0;
    const text = await stringifyInSlices(value, () => {
      pauses++;
      return Promise.resolve();
    });
    expect(text).toBe(JSON.stringify(value));
    expect(pauses).toBe(3);
    expect(await stringifyInSlices([1, 2], now)).toBe('[1,2]');
    expect(await stringifyInSlices(null, now)).toBe('null');
  });
});
