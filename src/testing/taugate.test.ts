// TauGate (Ghasemlou 2026, P23): the node's value and gradients against the closed forms by hand
// (soft, hard, bypass; the runtime switch without a rebuild), and the shipped template's procedure —
// at τ = 0, γ = 1 the hard gate reproduces the frozen ReLU network's logits bit for bit and the
// soft gate stays inside an interval bound computed from the weights; the 'adapt' phase leaves
// every Dense weight bit-identical and trains exactly the 512 gate parameters.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { generateTypeScript } from '../core/codegen/generate.ts';
import { generatePyTorch } from '../core/codegen/pytorch.ts';
import { loadBinding } from '../core/datasets/binding.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { build } from '../trainer/experiments/_kan-shared.ts';
import {
  BASE,
  GATES,
  loraVariant,
  runLora,
  runTauGate,
} from '../trainer/experiments/taugate-mode-specialization.ts';
import { train } from '../trainer/loop.ts';
import { oneNodeGraph } from './harness.ts';

const registry = await loadRegistry();
const TEMPLATE = readFileSync(
  new URL('../../templates/taugate-mode-specialization.graph.json', import.meta.url),
  'utf8',
);

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));

describe('peft.tauGate against the closed forms', () => {
  const def = registry.get('peft.tauGate')!;
  const [B, n, s] = [3, 4, 2.5];
  const rng = createRng(9);
  const z = Array.from({ length: B }, () => Array.from({ length: n }, () => 3 * rng.next() - 1.5));
  const tau = [0.3, -0.2, 0.0, 0.7];
  const rho = [0.1, -0.4, 0.25, 0.0];
  const probe = Array.from({ length: B }, () => Array.from({ length: n }, () => rng.normal()));

  /** y, ∂(Σ probe⊙y)/∂z, ∂/∂τ, ∂/∂ρ by hand. */
  function byHand(hard: boolean) {
    const y = z.map((row) => row.map(() => 0));
    const dz = z.map((row) => row.map(() => 0));
    const dtau = tau.map(() => 0);
    const drho = rho.map(() => 0);
    z.forEach((row, b) => {
      row.forEach((v, j) => {
        const g = Math.exp(rho[j]!);
        const relu = Math.max(0, v);
        const u = s * (v - tau[j]!);
        const gate = hard ? (v > tau[j]! ? 1 : 0) : sigmoid(u);
        const dgate = hard ? 0 : s * sigmoid(u) * (1 - sigmoid(u)); // ∂gate/∂z = −∂gate/∂τ
        const p = probe[b]![j]!;
        y[b]![j] = g * gate * relu;
        dz[b]![j] = p * g * (dgate * relu + gate * (v > 0 ? 1 : 0));
        dtau[j] = dtau[j]! - p * g * dgate * relu;
        drho[j] = drho[j]! + p * y[b]![j]!;
      });
    });
    return { y, dz, dtau, drho };
  }

  const doc = oneNodeGraph(def, { inputs: { x: { shape: [B, n] } }, params: { sharpness: s } });
  const compiled = () => {
    const c = compileIR(lowerGraph(analyse(doc, registry), registry).ir!, registry, { seed: 1 });
    const [t, r] = c.weights(['node']);
    const [tt, rt] = [tf.tensor1d(tau), tf.tensor1d(rho)];
    t!.write(tt);
    r!.write(rt);
    tf.dispose([tt, rt]); // the variables hold their own reference to the data
    return c;
  };

  it('soft and hard values and gradients (z, τ, ρ) equal the closed forms; bypass is relu(z); the switch needs no rebuild', () => {
    const before = tf.memory().numTensors;
    const c = compiled();
    const vars = c.variables([]);
    expect(vars.map((v) => v.size)).toEqual([n, n]);
    for (const hard of [false, true]) {
      c.setRuntimeParams('node', { hard });
      const want = byHand(hard);
      const [y, dz, dtau, drho] = tf.tidy(() => {
        const zt = tf.tensor2d(z);
        const f = (x: tf.Tensor) =>
          tf.sum(
            tf.mul(c.run({ in_x: x }, { training: true }).get('node')!, tf.tensor2d(probe)),
          ) as tf.Scalar;
        const { grads } = tf.variableGrads(() => f(zt), vars);
        return [
          c.run({ in_x: zt }, { training: false }).get('node')!.arraySync() as number[][],
          tf.grad(f)(zt).arraySync() as number[][],
          Array.from(grads[vars[0]!.name]!.dataSync()),
          Array.from(grads[vars[1]!.name]!.dataSync()),
        ] as const;
      });
      y.flat().forEach((v, i) => {
        expect(v).toBeCloseTo(want.y.flat()[i]!, 5);
      });
      dz.flat().forEach((v, i) => {
        expect(v).toBeCloseTo(want.dz.flat()[i]!, 4);
      });
      dtau.forEach((v, i) => {
        expect(v).toBeCloseTo(want.dtau[i]!, 4);
      });
      drho.forEach((v, i) => {
        expect(v).toBeCloseTo(want.drho[i]!, 4);
      });
      if (hard) expect(dtau.every((v) => v === 0)).toBe(true);
    }
    c.setRuntimeParams('node', { mode: 'bypass' });
    const bypass = tf.tidy(
      () =>
        c
          .run({ in_x: tf.tensor2d(z) }, { training: false })
          .get('node')!
          .arraySync() as number[][],
    );
    expect(bypass).toEqual(z.map((row) => row.map((v) => Math.fround(Math.max(0, v)))));
    expect(() => c.setRuntimeParams('node', { sharpness: 3 })).toThrow(
      /node.*'sharpness' is not a runtime param.*'hard', 'mode'/,
    );
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('at τ = 0, γ = 1: hard = relu exactly; |soft − relu| ≤ c/s with c = max_u u·σ(−u) = u* − 1, u* = 1 + e^(−u*) ≈ 0.2785', () => {
    // c by fixed-point iteration on u = 1 + e^(−u) (the stationary point of u/(1 + e^u)).
    let u = 1;
    for (let k = 0; k < 100; k++) u = 1 + Math.exp(-u);
    const c = u - 1;
    expect(c).toBeCloseTo(0.27846, 4);
    const zs = Array.from({ length: 4001 }, (_, i) => -2 + i / 1000);
    const [soft, hard] = tf.tidy(() => {
      const layer = compileIR(
        lowerGraph(
          analyse(
            oneNodeGraph(def, { inputs: { x: { shape: [1, 4001] } }, params: { sharpness: 10 } }),
            registry,
          ),
          registry,
        ).ir!,
        registry,
      );
      const x = tf.tensor2d([zs]);
      const soft = Array.from(layer.run({ in_x: x }, { training: false }).get('node')!.dataSync());
      layer.setRuntimeParams('node', { hard: true });
      const hard = Array.from(layer.run({ in_x: x }, { training: false }).get('node')!.dataSync());
      layer.dispose();
      return [soft, hard];
    });
    const gap = Math.max(...zs.map((v, i) => Math.abs(soft[i]! - Math.max(0, v))));
    expect(gap).toBeLessThanOrEqual(c / 10 + 1e-6);
    expect(gap).toBeGreaterThan(0.99 * (c / 10)); // the bound is attained (grid step 1e-3)
    expect(hard).toEqual(zs.map((v) => Math.fround(Math.max(0, Math.fround(v)))));
  });
});

/** The template with smaller data (the procedure unchanged). */
function smallTemplate(trainSize: number, valSize: number): GraphDoc {
  const doc = JSON.parse(TEMPLATE) as GraphDoc;
  const t = doc.training!;
  t.dataset.params = { ...t.dataset.params, trainSize, valSize };
  for (const p of t.phases!)
    if (p.data?.dataset) p.data.dataset.params = { ...p.data.dataset.params, trainSize, valSize };
  return doc;
}

describe('template taugate-mode-specialization', () => {
  it("the 'gates' group holds exactly 2 × 128 × 2 = 512 trainable params; the Denses 118 282 (Keras: 784·128+128 + 128·128+128 + 128·10+10)", () => {
    const b = build(TEMPLATE, registry, 1);
    const size = (g: string) => b.compiled.variables([g]).reduce((s, v) => s + v.size, 0);
    expect(size('gates')).toBe(512);
    expect(size('base')).toBe(784 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10);
    const adapt = b.training.phases.find((p) => p.name === 'adapt')!;
    expect(adapt.groups).toEqual(['gates']);
    expect(adapt.optimizers.map((g) => [g.id, g.groups])).toEqual([['gates', ['gates']]]);
    b.compiled.dispose();
  });

  it('the adapt phase starts at the frozen model: hard logits = frozen ReLU logits bit for bit, soft within the interval bound; Dense weights stay bit-identical, the gates move', async () => {
    const before = tf.memory().numTensors;
    const doc = smallTemplate(256, 100);
    const b = build(doc, registry, 2);
    const rotated = await loadBinding(doc.training!.phases![1]!.data!.dataset!, createRng(2), nodeDatasetIO);
    const x = tf.tensor2d(rotated.val.x, [rotated.val.count, 784]);
    const logits = () => b.compiled.run({ input: x }, { training: false }).get('logits')!;
    let checked = false;
    let snap: Float32Array[] = [];
    const mixture = await loadBinding(doc.training!.dataset, createRng(2), nodeDatasetIO);
    const r = await train(b.compiled, registry, mixture, b.training, {
      seed: 2,
      validate: false,
      maxBatchesPerEpoch: 2,
      loadDataset: async () => rotated,
      onPhase: (p) => {
        if (p.phase !== 'adapt') return;
        tf.tidy(() => {
          for (const id of GATES) b.compiled.setRuntimeParams(id, { mode: 'bypass' });
          const frozen = logits().arraySync() as number[][];
          // Interval bound: |Δh₁| ≤ c/s per unit; Δz₂ ≤ |W₂|ᵀ·|Δh₁|; the soft gate is L-Lipschitz
          // (L = max_u d/du[u·σ(u)] ≈ 1.0998, SiLU's slope, found on a grid) so |Δh₂| ≤ L·Δz₂ + c/s;
          // |Δlogits| ≤ |W₃|ᵀ·|Δh₂|. Every weight as the pretrain phase left it.
          const c = 0.27846 / 10;
          let L = 0;
          for (let u = 0; u < 20; u += 1e-4) L = Math.max(L, sigmoid(u) + u * sigmoid(u) * (1 - sigmoid(u)));
          const [w2, w3] = ['dense2', 'logits'].map((id) => tf.abs(b.compiled.weights([id])[0]!.read()));
          const dh1 = tf.fill([1, 128], c);
          const dh2 = tf.add(tf.mul(tf.matMul(dh1, w2!), L + 1e-6), c);
          const bound = tf.matMul(dh2, w3!).dataSync();
          for (const id of GATES) b.compiled.setRuntimeParams(id, { hard: true });
          const hard = logits().arraySync() as number[][];
          expect(hard).toEqual(frozen);
          for (const id of GATES) b.compiled.resetRuntimeParams(id);
          const soft = logits().arraySync() as number[][];
          let worst = 0;
          soft.forEach((row, i) => {
            row.forEach((v, k) => {
              const d = Math.abs(v - frozen[i]![k]!);
              worst = Math.max(worst, d / bound[k]!);
            });
          });
          expect(worst).toBeLessThanOrEqual(1);
          expect(worst).toBeGreaterThan(0); // the soft gate does differ from ReLU
        });
        snap = BASE.flatMap((id) =>
          b.compiled.weights([id]).map((w) => w.read().dataSync().slice() as Float32Array),
        );
        checked = true;
      },
    });
    expect(r.status).toBe('done');
    expect(checked).toBe(true);
    const after = BASE.flatMap((id) =>
      b.compiled.weights([id]).map((w) => w.read().dataSync().slice() as Float32Array),
    );
    after.forEach((w, i) => {
      expect(Array.from(w)).toEqual(Array.from(snap[i]!));
    });
    for (const id of GATES) {
      const [t, rho] = b.compiled.weights([id]).map((w) => Array.from(w.read().dataSync()));
      expect(t!.some((v) => v !== 0)).toBe(true);
      expect(rho!.some((v) => v !== 0)).toBe(true);
    }
    x.dispose();
    b.compiled.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the experiment's run reports frozen/soft/hard accuracies and 512 gate params on a short run, without leaks", async () => {
    const before = tf.memory().numTensors;
    const b = build(smallTemplate(256, 100), registry, 1);
    const r = await runTauGate(b, registry, nodeDatasetIO, 1, { maxBatchesPerEpoch: 2 });
    b.compiled.dispose();
    expect(r.status).toBe('done');
    expect(r.gateParams).toBe(512);
    for (const v of [r.frozen, r.softAtStart, r.soft, r.hard]) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of Object.values(r.active)) expect(v).toBeGreaterThanOrEqual(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('peft.lowRankAdapter and the LoRA arm', () => {
  it('y = (α/r)·(x·A)·B by hand, with ∂/∂A and ∂/∂B of Σ probe⊙y', () => {
    const def = registry.get('peft.lowRankAdapter')!;
    const [N, d, r, u, alpha] = [2, 3, 2, 4, 6];
    const rng = createRng(4);
    const mat = (a: number, b: number) =>
      Array.from({ length: a }, () => Array.from({ length: b }, () => rng.normal()));
    const [x, A, Bm, probe] = [mat(N, d), mat(d, r), mat(r, u), mat(N, u)];
    const k = alpha / r;
    const xa = x.map((row) => A[0]!.map((_, j) => row.reduce((s, v, i) => s + v * A[i]![j]!, 0)));
    const want = xa.map((row) => Bm[0]!.map((_, j) => k * row.reduce((s, v, i) => s + v * Bm[i]![j]!, 0)));
    // ∂/∂B[i][j] = k·Σ_n xa[n][i]·probe[n][j];  ∂/∂A[i][j] = k·Σ_n x[n][i]·Σ_m B[j][m]·probe[n][m]
    const dB = Bm.map((row, i) =>
      row.map((_, j) => k * xa.reduce((s, xr, n) => s + xr[i]! * probe[n]![j]!, 0)),
    );
    const dA = A.map((row, i) =>
      row.map(
        (_, j) =>
          k * x.reduce((s, xr, n) => s + xr[i]! * Bm[j]!.reduce((t, b, m) => t + b * probe[n]![m]!, 0), 0),
      ),
    );
    const before = tf.memory().numTensors;
    const doc = oneNodeGraph(def, { inputs: { x: { shape: [N, d] } }, params: { units: u, rank: r, alpha } });
    const c = compileIR(lowerGraph(analyse(doc, registry), registry).ir!, registry);
    const [wa, wb] = c.weights(['node']);
    expect(Array.from(wb!.read().dataSync()).every((v) => v === 0)).toBe(true); // B = 0 at init
    const [ta, tb] = [tf.tensor2d(A), tf.tensor2d(Bm)];
    wa!.write(ta);
    wb!.write(tb);
    tf.dispose([ta, tb]);
    const vars = c.variables([]);
    const [y, gA, gB] = tf.tidy(() => {
      const f = () =>
        tf.sum(
          tf.mul(c.run({ in_x: tf.tensor2d(x) }, { training: true }).get('node')!, tf.tensor2d(probe)),
        ) as tf.Scalar;
      const { grads } = tf.variableGrads(f, vars);
      return [
        c
          .run({ in_x: tf.tensor2d(x) }, { training: false })
          .get('node')!
          .arraySync() as number[][],
        grads[vars[0]!.name]!.arraySync() as number[][],
        grads[vars[1]!.name]!.arraySync() as number[][],
      ] as const;
    });
    for (const [got, ref] of [
      [y, want],
      [gA, dA],
      [gB, dB],
    ] as const)
      got.flat().forEach((v, i) => {
        expect(v).toBeCloseTo(ref.flat()[i]!, 4);
      });
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the LoRA variant: 4 672 = 4·(784+128) + 4·(128+128) trainable adapter params; at adapt start each pre-activation is its Dense's output bit for bit (B = 0, so the logits are the frozen model's); adapt moves only the adapters", async () => {
    const before = tf.memory().numTensors;
    const doc = loraVariant(JSON.stringify(smallTemplate(256, 100)));
    const b = build(doc, registry, 3);
    expect(b.compiled.variables(['lora']).reduce((s, v) => s + v.size, 0)).toBe(
      4 * (784 + 128) + 4 * (128 + 128),
    );
    const base = () =>
      BASE.flatMap((id) => b.compiled.weights([id]).map((w) => Array.from(w.read().dataSync())));
    let snap: number[][] = [];
    const rotated = await loadBinding(doc.training!.phases![1]!.data!.dataset!, createRng(3), nodeDatasetIO);
    const mixture = await loadBinding(doc.training!.dataset, createRng(3), nodeDatasetIO);
    await train(b.compiled, registry, mixture, b.training, {
      seed: 3,
      validate: false,
      maxBatchesPerEpoch: 2,
      loadDataset: async () => rotated,
      onPhase: (p) => {
        if (p.phase !== 'adapt') return;
        snap = base();
        tf.tidy(() => {
          const x = tf.tensor2d(rotated.val.x, [rotated.val.count, 784]);
          const outs = b.compiled.run({ input: x }, { training: false });
          // B = 0: each sum is its Dense's output exactly.
          for (const k of [1, 2])
            expect(Array.from(outs.get(`sum${k}`)!.dataSync())).toEqual(
              Array.from(outs.get(`dense${k}`)!.dataSync()),
            );
        });
      },
    });
    expect(base()).toEqual(snap);
    for (const id of ['lora1', 'lora2']) {
      const [, bw] = b.compiled.weights([id]);
      expect(Array.from(bw!.read().dataSync()).some((v) => v !== 0)).toBe(true);
    }
    b.compiled.dispose();
    const b2 = build(loraVariant(JSON.stringify(smallTemplate(256, 100))), registry, 1);
    const r = await runLora(b2, registry, nodeDatasetIO, 1, { maxBatchesPerEpoch: 1 });
    b2.compiled.dispose();
    expect(r.params).toBe(4672);
    expect(r.status).toBe('done');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('exporters on taugate-mode-specialization', () => {
  const ir = lowerGraph(analyse(JSON.parse(TEMPLATE) as GraphDoc, registry), registry).ir!;
  it("TypeScript prints both phases: the pretrain phase's bypass overrides and the adapt phase's own data", () => {
    const code = generateTypeScript(ir, registry);
    expect(code).toContain("overrides: { gate1: { mode: 'bypass' }, gate2: { mode: 'bypass' } }");
    expect(code).toContain("dataset: 'mnist'");
    expect(code).toContain('setRuntimeParams(values: tf.serialization.ConfigDict): void {');
  });
  it('PyTorch writes model.py (the soft gate) and refuses train.py by name: the pretrain phase uses runtime overrides', () => {
    const project = generatePyTorch(ir, registry);
    expect(project.files['model.py']).toContain('class TauGate(nn.Module):');
    expect(project.files['train.py']).toBeUndefined();
    expect(project.trainRefused).toMatch(/export\/unsupported: phase 'pretrain' uses runtime overrides/);
  });
});
