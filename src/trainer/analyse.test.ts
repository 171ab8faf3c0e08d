// The Worker's `analyse` handler (runAnalysis) on cpu, on the grad-cam-explainer template: views
// carry finite maps of the requested validation rows (their pixels, boxes and classes read from the
// dataset, not from the tool), a row's map does not depend on the other rows of the batch, every
// typed array is listed for transfer exactly once, bad requests are refused with a message naming
// the node / tool / field and the fix, and no tensor outlives a request.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locate } from '../core/datasets/locate.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { AnalyseError, analysisToolInfos, MAX_ANALYSE_SAMPLES, runAnalysis } from './analyse.ts';
import { eligibleAnalysisNodes } from './analysis-targets.ts';
import { build } from './experiments/_kan-shared.ts';
import type { AnalysisHeatmap, AnalysisReplyView } from './protocol.ts';

const registry = await loadRegistry();
const TEMPLATE = readFileSync(
  new URL('../../templates/grad-cam-explainer.graph.json', import.meta.url),
  'utf8',
);

let built: ReturnType<typeof build>;
let data: Awaited<ReturnType<typeof locate.load>>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  built = build(TEMPLATE, registry, 1);
  data = await locate.load(
    resolveParams(locate.params, { samples: 40, distractors: 3 }).values as never,
    createRng(1),
    {} as never,
  );
});
afterAll(() => built.compiled.dispose());

const heatmaps = (views: readonly AnalysisReplyView[]) => {
  const v = views.find((x) => x.kind === 'heatmaps');
  if (v?.kind !== 'heatmaps') throw new Error('no heat maps');
  return v;
};

describe('runAnalysis (Worker analyse → analysis)', () => {
  it('lists the registered tools as plain data, and the conv nodes as eligible targets', () => {
    const tools = analysisToolInfos();
    expect(tools.map((t) => t.id)).toEqual([
      'gradCam',
      'eigenCam',
      'cfCam',
      'cluster',
      'inductiveBias',
      'activationMax',
      'cett',
      'ppgnSampler',
    ]);
    expect(structuredClone(tools)).toEqual(tools);
    expect(eligibleAnalysisNodes(built.compiled.ir, tools[0]!.target.ranks)).toEqual([
      'conv1',
      'pool1',
      'conv2',
    ]);
  });

  it('Grad-CAM and Eigen-CAM on chosen rows: finite maps of those rows, boxes and classes from the data, no leaks', async () => {
    const rows = [3, 0, 5];
    for (const tool of ['gradCam', 'eigenCam']) {
      const before = tf.memory().numTensors;
      const { reply, transfer } = await runAnalysis(built.compiled, data, {
        tool,
        node: 'conv2',
        params: { deletionSteps: 4 },
        samples: rows,
        classes: 'true',
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(reply.tool).toBe(tool);
      expect(reply.node).toBe('conv2');
      expect(reply.backend).toBe('cpu');
      const v = heatmaps(reply.views);
      expect([v.height, v.width]).toEqual([28, 28]);
      expect(v.items.map((it) => it.sample)).toEqual(rows);
      const box = data.val.fields!.box!;
      v.items.forEach((it: AnalysisHeatmap, i) => {
        const r = rows[i]!;
        expect(it.heat).toHaveLength(28 * 28);
        expect(it.heat.every((h) => Number.isFinite(h) && h >= 0 && h <= 1 + 1e-6)).toBe(true);
        // The input pixels of row r, read straight from the split.
        expect(Array.from(it.base)).toEqual(Array.from(data.val.x.subarray(r * 784, (r + 1) * 784)));
        expect(it.box).toEqual(Array.from(box.subarray(r * 4, r * 4 + 4)));
        expect(it.explained).toBe((data.val.y as Int32Array)[r]);
        expect(Number.isInteger(it.predicted)).toBe(true);
      });
      expect(Number.isFinite(reply.figures['pointing game'] as number)).toBe(true);
      expect(reply.views.some((x) => x.kind === 'curve')).toBe(true);
      // Each heat map and base image owns its buffer, listed once for transfer.
      const arrays = v.items.flatMap((it) => [it.base, it.heat]);
      expect(new Set(arrays.map((a) => a.buffer)).size).toBe(arrays.length);
      expect(transfer).toHaveLength(arrays.length);
      for (const a of arrays) expect(transfer).toContain(a.buffer);
    }
  });

  it("a row's map is the same alone as in a batch (samples are independent), predicted = argmax of the model", async () => {
    const both = await runAnalysis(built.compiled, data, {
      tool: 'gradCam',
      node: 'conv2',
      params: { deletionSteps: 0 },
      samples: [1, 2],
    });
    const alone = await runAnalysis(built.compiled, data, {
      tool: 'gradCam',
      node: 'conv2',
      params: { deletionSteps: 0 },
      samples: [2],
    });
    const a = heatmaps(both.reply.views).items[1]!;
    const b = heatmaps(alone.reply.views).items[0]!;
    for (let k = 0; k < a.heat.length; k++) expect(a.heat[k]).toBeCloseTo(b.heat[k]!, 4);
    const logits = tf.tidy(() => {
      const x = tf.tensor(data.val.x.subarray(2 * 784, 3 * 784), [1, 28, 28, 1]);
      return (built.compiled.model.predict(x) as tf.Tensor).dataSync();
    });
    const argmax = Array.from(logits).indexOf(Math.max(...logits));
    expect(b.predicted).toBe(argmax);
    expect(b.explained).toBe(argmax); // classes default to the prediction
  });

  it('refuses bad requests with the node / tool / field and the fix, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const refuse = async (req: Parameters<typeof runAnalysis>[2]) => {
      const err = await runAnalysis(built.compiled, data, req).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AnalyseError);
      return err as AnalyseError;
    };
    const base = { tool: 'gradCam', node: 'conv2', samples: [0] };
    const noNode = await refuse({ ...base, node: 'nope' });
    expect(noNode.message).toMatch(/analyse\/node: 'nope' is not a node.*pick one of conv1, pool1, conv2/);
    expect(noNode.nodeId).toBe('nope');
    const dense = await refuse({ ...base, node: 'logits' });
    expect(dense.message).toMatch(
      /node 'logits' outputs rank 2.*conv feature map.*pick one of conv1, pool1, conv2/,
    );
    expect(dense.nodeId).toBe('logits');
    expect((await refuse({ ...base, node: 'input' })).message).toMatch(
      /'input' is not a node of the trained model/,
    );
    expect((await refuse({ ...base, tool: 'magic' })).message).toMatch(
      /analyse\/tool: unknown analysis tool 'magic'; pick one of gradCam, eigenCam/,
    );
    expect((await refuse({ ...base, params: { dilate: -3 } })).message).toMatch(
      /analyse\/params: Grad-CAM: param 'dilate'/,
    );
    expect((await refuse({ ...base, samples: [data.val.count] })).message).toMatch(
      new RegExp(`validation row ${data.val.count} does not exist; rows are 0 to ${data.val.count - 1}`),
    );
    expect((await refuse({ ...base, samples: [] })).message).toMatch(/give 1 to 64 validation rows/);
    expect((await refuse({ ...base, samples: Array(MAX_ANALYSE_SAMPLES + 1).fill(0) })).message).toMatch(
      /give 1 to 64/,
    );
    expect((await refuse({ ...base, classes: 4 })).message).toMatch(
      /class 4 does not exist; the model scores classes 0 to 3/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
