// Hostile inputs (issue 19): graphs too deep, too large or too big to train; files that are not
// files; Keras topologies with 130k layers, nested call args, cycles, absurd sizes and a layer
// named __proto__. Each is refused with a clear message naming what and where — or handled —
// and none reaches the user as an "internal error". Figures are computed here independently
// (closed-form parameter counts), never copied from the code under test.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createEditorStore } from '../app/store.ts';
import { analyse, analyseText } from '../core/analysis/analyse.ts';
import {
  BROWSER_MEMORY,
  browserMemoryBudget,
  type DeviceMemorySignals,
  MAX_LAYER_DEPTH,
  MAX_TENSOR_BYTES,
} from '../core/analysis/budget.ts';
import { MAX_GRAPH_NODES, parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { importKerasJson } from '../core/import/index.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { runCliCaptured } from './harness.ts';

const registry = await loadRegistry();
const tmp = mkdtempSync(join(tmpdir(), 'netwright-hostile-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = runCliCaptured;

/** input [inDim] → `depth` Dense layers of `units` → 2 logits → cross-entropy, trained on moons or MNIST. */
function denseChain(depth: number, units: number, inDim = 2): GraphDoc {
  const nodes: GraphDoc['nodes'] = { input: { type: 'io.input', v: 1, params: { shape: [inDim] } } };
  const edges: GraphDoc['edges'] = {};
  let prev = 'input';
  for (let i = 0; i < depth; i++) {
    nodes[`d${i}`] = { type: 'layers.dense', v: 1, params: { units: i < depth - 1 ? units : 2 } };
    edges[`e${i}`] = { from: { node: prev, port: 'y' }, to: { node: `d${i}`, port: 'x' } };
    prev = `d${i}`;
  }
  nodes.loss = { type: 'losses.categoricalCrossentropy', v: 1, params: { fromLogits: true } };
  edges.eloss = { from: { node: prev, port: 'y' }, to: { node: 'loss', port: 'pred' } };
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: `dense chain ${depth}` },
    nodes,
    edges,
    layout: {},
    training: {
      dataset:
        inDim === 784
          ? { name: 'mnist', params: { flat: true } }
          : { name: 'moons', params: { samples: 64 } },
      optimizer: { type: 'optimizers.adam', params: {} },
      batchSize: 64,
      epochs: 1,
      seed: 1,
    },
  };
}

const write = (name: string, value: unknown) => {
  const file = join(tmp, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};
const codes = (doc: GraphDoc) => analyse(doc, registry).diagnostics.map((d) => d.code);

describe('depth: a documented limit, named at the node, never a stack overflow', () => {
  it('a chain at the limit analyses cleanly; one past it is refused at the first node too deep', () => {
    // The input node is layer 1, so a chain of MAX_LAYER_DEPTH − 2 Dense layers + loss fits.
    expect(codes(denseChain(MAX_LAYER_DEPTH - 2, 4))).not.toContain('budget/too-deep');
    const a = analyse(denseChain(MAX_LAYER_DEPTH + 100, 4), registry);
    const d = a.diagnostics.find((x) => x.code === 'budget/too-deep');
    // Layer MAX_LAYER_DEPTH + 1 is the input plus MAX_LAYER_DEPTH Dense layers: d{MAX_LAYER_DEPTH - 1}.
    expect(d?.nodeId).toBe(`d${MAX_LAYER_DEPTH - 1}`);
    expect(d?.message).toContain('2,000');
  });

  it('10,000-node chains analyse without overflowing (refused by the depth limit)', () => {
    const a = analyse(denseChain(10_000, 4), registry);
    expect(a.diagnostics.map((d) => d.code)).toEqual(['budget/too-deep']);
    // Parameter count still exact: 2·4+4, then 4·4+4 per hidden layer, then 4·2+2.
    expect(a.totalParams).toBe(12 + 9_998 * 20 + 10);
  });

  it('check and train refuse a 5,000-layer chain before compiling, naming the limit', async () => {
    const file = write('chain5000.json', denseChain(5_000, 4));
    for (const cmd of ['check', 'train']) {
      const r = await cli(cmd, file, ...(cmd === 'train' ? ['--backend', 'cpu'] : []));
      expect(r.code).toBe(1);
      expect(r.text).toMatch(/budget\/too-deep.*at most 2,000 layers/);
      expect(r.text).not.toMatch(/internal error|call stack/i);
    }
  }, 120_000);
});

describe('resource budget: sizes named before anything is allocated', () => {
  // 784 → 65,536 × 20 Dense (the last 2 wide): Keras counts in·out + out per layer.
  const doc = denseChain(21, 65_536, 784);
  const params = 784 * 65_536 + 65_536 + 19 * (65_536 * 65_536 + 65_536) + 65_536 * 2 + 2;

  it('the 81.6-billion-parameter graph: memory and the largest tensor, with sizes', () => {
    expect(params).toBeGreaterThan(81.6e9);
    const a = analyse(doc, registry);
    expect(a.totalParams).toBe(params);
    const mem = a.diagnostics.find((d) => d.code === 'budget/memory');
    expect(mem?.message).toContain(params.toLocaleString('en-US'));
    // Adam: weights + gradients + two moments, 4 bytes each: 16 bytes a parameter ≈ 1.2 TiB.
    expect(mem?.message).toContain(`${Number(((params * 16) / 2 ** 40).toFixed(1))} TiB`);
    expect(mem?.message).toContain('a browser tab can use');
    // Marked on the first 65,536 → 65,536 layer, the largest holder (the Train button points there).
    expect(mem?.nodeId).toBe('d1');
    const big = a.diagnostics.find((d) => d.code === 'budget/tensor-too-large');
    // A hidden layer's kernel: 65,536² floats = 16 GiB, past the 2 GiB a tensor may hold.
    expect((65_536 * 65_536 * 4) / MAX_TENSOR_BYTES).toBe(8);
    expect(big?.nodeId).toMatch(/^d\d+$/);
    expect(big?.message).toContain('16 GiB');
    expect(a.ok).toBe(false);
  });

  it('check and train refuse it against this machine’s memory, exit 1, size named', async () => {
    const file = write('huge.json', doc);
    for (const cmd of ['check', 'train']) {
      const r = await cli(cmd, file, ...(cmd === 'train' ? ['--backend', 'cpu'] : []));
      expect(r.code).toBe(1);
      expect(r.text).toContain(`The model has ${params.toLocaleString('en-US')} parameters`);
      expect(r.text).toContain('this machine has');
    }
  });

  it('a batch whose activations pass 2 GiB is refused at that node; memory budgets are honoured', () => {
    const wide = denseChain(2, 65_536);
    wide.training!.batchSize = 65_536; // 65,536 × 65,536 floats = 16 GiB of activations
    const d = analyse(wide, registry).diagnostics.find((x) => x.code === 'budget/tensor-too-large');
    expect(d?.nodeId).toBe('d0');
    expect(d?.message).toMatch(/batch size/);
    // A small model fits the default; the same model against 1 KiB of memory does not.
    expect(codes(denseChain(3, 8))).toEqual([]);
    const tiny = analyse(denseChain(3, 8), registry, { memory: { bytes: 1024, whose: 'x has' } });
    expect(tiny.diagnostics.map((x) => x.code)).toEqual(['budget/memory']);
    expect(BROWSER_MEMORY.bytes).toBe(4 * 2 ** 30);
  });
});

describe("the browser's memory budget comes from the device", () => {
  // input 2 → 8,192 → 8,192 → 2, Adam: Keras's in·out + out per layer, 16 bytes a parameter.
  const doc = denseChain(3, 8_192);
  const params = 2 * 8_192 + 8_192 + (8_192 * 8_192 + 8_192) + (8_192 * 2 + 2);
  const trainingBytes = params * 16; // ≈ 1.0 GiB: past 1 GiB, within 2 GiB
  const memoryCodes = (signals: DeviceMemorySignals) =>
    analyse(doc, registry, { memory: browserMemoryBudget(signals) })
      .diagnostics.map((d) => d.code)
      .filter((c) => c.startsWith('budget/'));

  it('no signal: the 4 GiB a wasm heap holds', () => {
    expect(browserMemoryBudget({})).toEqual(BROWSER_MEMORY);
    expect(trainingBytes).toBeGreaterThan(2 ** 30);
    expect(trainingBytes).toBeLessThan(2 * 2 ** 30);
    expect(memoryCodes({})).toEqual([]);
  });

  it('half the device memory, or the JavaScript heap limit, whichever is least; never past 4 GiB', () => {
    expect(browserMemoryBudget({ deviceMemoryGiB: 2 }).bytes).toBe(2 ** 30);
    expect(browserMemoryBudget({ deviceMemoryGiB: 8 }).bytes).toBe(4 * 2 ** 30);
    expect(browserMemoryBudget({ deviceMemoryGiB: 0.5 }).bytes).toBe(2 ** 28);
    expect(browserMemoryBudget({ deviceMemoryGiB: 8, jsHeapLimitBytes: 2 ** 31 }).bytes).toBe(2 ** 31);
    expect(browserMemoryBudget({ jsHeapLimitBytes: 2 ** 33 }).bytes).toBe(4 * 2 ** 30);
    // Nonsense values are ignored, not trusted.
    expect(browserMemoryBudget({ deviceMemoryGiB: 0, jsHeapLimitBytes: Number.NaN }).bytes).toBe(4 * 2 ** 30);
    // The model: refused on a 2 GiB phone (1 GiB budget), trained on a 4 GiB one.
    expect(memoryCodes({ deviceMemoryGiB: 2 })).toEqual(['budget/memory']);
    expect(memoryCodes({ deviceMemoryGiB: 4 })).toEqual([]);
    const msg = analyse(doc, registry, { memory: browserMemoryBudget({ deviceMemoryGiB: 2 }) })
      .diagnostics[0]!.message;
    expect(msg).toContain(`The model has ${params.toLocaleString('en-US')} parameters`);
    expect(msg).toContain(
      "more than the 1 GiB of memory a browser tab can use (half of this device's 2 GiB)",
    );
    expect(browserMemoryBudget({ deviceMemoryGiB: 8, jsHeapLimitBytes: 2 ** 30 }).whose).toContain(
      'JavaScript heap limit',
    );
  });

  it("a hardware GPU's buffer limit caps the largest tensor", () => {
    // The 8,192 → 8,192 layer: 256 MiB of kernel (and 32 KiB of bias), what analysis holds as one.
    expect(memoryCodes({ gpuMaxBufferBytes: 2 ** 29 })).toEqual([]);
    expect(memoryCodes({ gpuMaxBufferBytes: 2 ** 27 })).toEqual(['budget/tensor-too-large']);
    const d = analyse(doc, registry, { memory: browserMemoryBudget({ gpuMaxBufferBytes: 2 ** 27 }) })
      .diagnostics[0]!;
    expect(d.nodeId).toBe('d1');
    expect(d.message).toContain("256 MiB in one tensor; this device's GPU holds at most 128 MiB");
    // A limit above what any backend holds changes nothing.
    expect(browserMemoryBudget({ gpuMaxBufferBytes: 2 ** 34 }).tensorBytes).toBeUndefined();
  });

  it('the editor re-checks the open graph when the device budget arrives', () => {
    const store = createEditorStore(registry, doc);
    expect(store.getState().analysis.ok).toBe(true);
    store.setMemoryBudget(browserMemoryBudget({ deviceMemoryGiB: 2 }));
    expect(store.getState().analysis.diagnostics.map((d) => d.code)).toEqual(['budget/memory']);
  });
});

describe('parsing: node-count limit before validation', () => {
  it('a 60,000-node chain is refused with the limit named', () => {
    const text = JSON.stringify(denseChain(60_000, 4));
    const r = parseGraphText(text);
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['doc/too-many-nodes']);
    expect(r.diagnostics[0]!.message).toContain(MAX_GRAPH_NODES.toLocaleString('en-US'));
  });

  it('nodes inside groups count too', () => {
    const inner: Record<string, unknown> = {};
    for (let i = 0; i <= MAX_GRAPH_NODES; i++) inner[`n${i}`] = { type: 'layers.dense', v: 1 };
    const doc = {
      format: 'netwright.graph',
      formatVersion: 2,
      nodes: { g: { type: 'group.subgraph', v: 1, graph: { nodes: inner } } },
    };
    expect(parseGraphText(JSON.stringify(doc)).diagnostics.map((d) => d.code)).toEqual([
      'doc/too-many-nodes',
    ]);
  });
});

describe('CLI input that is not a bounded regular file', () => {
  it('a device and an oversized file are refused before reading (exit 2)', async () => {
    const big = join(tmp, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, 9 * 2 ** 20); // sparse: 9 MiB of nothing, past the 8 MiB limit
    for (const cmd of ['check', 'import']) {
      const dev = await cli(cmd, '/dev/null');
      expect(dev.code).toBe(2);
      expect(dev.text).toContain('is not a regular file');
    }
    const r = await cli('check', big);
    expect(r.code).toBe(2);
    expect(r.text).toContain('is 9.0 MiB; Netwright reads files of at most 8 MiB');
  });
});

// ---- Keras import ------------------------------------------------------------------------------

const inputLayer = {
  class_name: 'InputLayer',
  name: 'in',
  config: { batch_input_shape: [null, 4], name: 'in' },
  inbound_nodes: [],
};
const dense = (name: string, units: number, from: string) => ({
  class_name: 'Dense',
  name,
  config: { name, units },
  inbound_nodes: [[[from, 0, 0, {}]]],
});
const functional = (layers: unknown[], out: string) => ({
  class_name: 'Functional',
  config: { name: 'f', layers, input_layers: [['in', 0, 0]], output_layers: [[out, 0, 0]] },
});

describe('Keras import of hostile topologies', () => {
  it('a layer named __proto__ is imported with its edges', () => {
    const r = importKerasJson(
      JSON.stringify(functional([inputLayer, dense('__proto__', 4, 'in'), dense('d', 2, '__proto__')], 'd')),
      registry,
    );
    expect(r.doc).toBeDefined();
    expect(Object.keys(r.doc!.nodes)).toContain('__proto__');
    const a = analyse(r.doc!, registry);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(a.totalParams).toBe(4 * 4 + 4 + 4 * 2 + 2);
  });

  it('130,000 layers are refused with the count and the limit', () => {
    const layers: unknown[] = [
      { class_name: 'InputLayer', config: { batch_input_shape: [null, 4], name: 'in' } },
    ];
    for (let i = 0; i < 130_000; i++)
      layers.push({ class_name: 'Dense', config: { name: `d${i}`, units: 4 } });
    const r = importKerasJson(
      JSON.stringify({ class_name: 'Sequential', config: { name: 's', layers } }),
      registry,
    );
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['import/too-many-layers']);
    expect(r.diagnostics[0]!.message).toContain('130,001 layers');
  });

  it('call args nested 100,000 deep are refused as malformed, naming the layer', () => {
    const tensor = JSON.stringify({
      class_name: '__keras_tensor__',
      config: { keras_history: ['in', 0, 0] },
    });
    const args = `${'['.repeat(100_000)}${tensor}${']'.repeat(100_000)}`;
    const text = JSON.stringify(
      functional([inputLayer, { ...dense('d', 2, 'in'), inbound_nodes: ['ARGS'] }], 'd'),
    ).replace('"ARGS"', `{"args": ${args}}`);
    const r = importKerasJson(text, registry);
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.nodeId])).toEqual([['import/invalid-field', 'd']]);
  });

  it('cycles and units 1e12: the graph is written and import exits 1 with the errors', async () => {
    const cyclic = functional([inputLayer, dense('a', 4, 'b'), dense('b', 4, 'a'), dense('d', 2, 'b')], 'd');
    const self = functional([inputLayer, dense('d', 4, 'd')], 'd');
    const huge = functional([inputLayer, dense('d', 1e12, 'in')], 'd');
    for (const [name, model, code] of [
      ['cyclic', cyclic, 'graph/cycle'],
      ['self', self, 'graph/cycle'],
      ['units', huge, 'param/invalid'],
    ] as const) {
      const out = join(tmp, `${name}.graph.json`);
      const r = await cli('import', write(`${name}.json`, model), '-o', out);
      expect(r.code, r.text).toBe(1);
      expect(r.text).toContain(code);
      expect(
        parseGraphText(await import('node:fs').then((fs) => fs.readFileSync(out, 'utf8'))).doc,
      ).toBeDefined();
    }
  });
});

describe('no "internal error" for any input that parses as JSON', () => {
  // Keras-shaped values: the fields the importer reads, filled with arbitrary JSON.
  const loose = fc.jsonValue({ maxDepth: 4 });
  const layer = fc.record(
    {
      class_name: fc.oneof(
        fc.constantFrom('Dense', 'InputLayer', 'Conv2D', 'Activation', '__proto__'),
        fc.string(),
      ),
      name: fc.oneof(fc.constantFrom('in', 'd', '__proto__', 'constructor'), fc.string()),
      config: fc.oneof(
        fc.record(
          { name: fc.string(), units: loose, batch_input_shape: loose, activation: loose },
          { requiredKeys: [] },
        ),
        loose,
      ),
      inbound_nodes: loose,
    },
    { requiredKeys: [] },
  );
  const model = fc.record(
    {
      class_name: fc.constantFrom('Sequential', 'Functional', 'Model'),
      config: fc.record(
        {
          name: fc.string(),
          layers: fc.oneof(fc.array(layer, { maxLength: 6 }), loose),
          input_layers: loose,
          output_layers: loose,
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );

  it('import and analysis report problems by name, never as internal errors', () => {
    fc.assert(
      fc.property(fc.oneof(model, loose), (value) => {
        const text = JSON.stringify(value);
        const imported = importKerasJson(text, registry);
        const all = [...imported.diagnostics, ...analyseText(text, registry).diagnostics];
        if (imported.doc) all.push(...analyse(imported.doc, registry).diagnostics);
        for (const d of all) {
          expect(d.code, d.message).not.toMatch(/^internal\//);
          expect(d.message).not.toMatch(/internal error/i);
        }
      }),
      { numRuns: 400 },
    );
  });
});
