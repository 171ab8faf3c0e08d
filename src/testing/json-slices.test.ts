// The autosave's sliced stringify writes exactly what JSON.stringify writes (the oracle), for every
// template, a document with records over the slice size, and members JSON leaves out.
import { describe, expect, it } from 'vitest';
import { replaceDoc } from '../app/commands.ts';
import { freezeInSlices, stringifyInSlices } from '../app/json-slices.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import { commit, createHistory } from '../core/history.ts';
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

describe('freezeInSlices', () => {
  it('freezes every object of a large document, and history then stores it as it is', async () => {
    const nodes: Record<string, unknown> = {};
    for (let i = 0; i < 1_100; i++)
      nodes[`d${i}`] = { type: 'layers.dense', v: 1, params: { units: 8, shape: [1, 2] } };
    const doc = parseGraphText(
      JSON.stringify({ format: 'netwright.graph', formatVersion: 2, nodes, edges: {}, layout: {} }),
    ).doc!;
    let pauses = 0;
    const frozen = await freezeInSlices(doc, () => {
      pauses++;
      return Promise.resolve();
    });
    expect(frozen).toBe(doc);
    expect(pauses).toBe(3);
    const all: unknown[] = [];
    const walk = (v: unknown) => {
      if (typeof v !== 'object' || v === null) return;
      all.push(v);
      for (const x of Object.values(v)) walk(x);
    };
    walk(doc);
    expect(all.length).toBeGreaterThan(3 * 1_100);
    expect(all.filter((o) => !Object.isFrozen(o))).toEqual([]);
    const h = commit(createHistory(parseGraphText(readTemplate('mlp-mnist')).doc!), 'Open', replaceDoc(doc));
    expect(h.present).toBe(doc);
  });
});
