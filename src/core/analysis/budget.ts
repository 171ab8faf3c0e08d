// Resource budget of a graph, known before anything is allocated: how deep its longest chain of
// layers is, its largest single tensor (a weight or a batch of activations), and what training
// holds in memory (weights, gradients and optimizer state, float32). Analysis reports what no
// device can run; the CLI (`check`, `train`) and the app compare the state with the machine's
// memory. Pure: no tfjs.

import { type Diagnostic, errorDiagnostic as error } from '../diagnostics.ts';
import type { GraphDoc } from '../doc/schema.ts';

/**
 * Longest chain of layers Netwright builds. tfjs builds a model's graph recursively (Container's
 * buildMapOfGraph): a Dense chain of 5,000 overflowed Node's default stack, 4,000 did not; half
 * that leaves room for browsers' smaller Worker stacks and the callers' frames.
 */
export const MAX_LAYER_DEPTH = 2_000;
/** Largest single tensor: 2 GiB is the most one ArrayBuffer / wasm heap / GPU buffer can hold anywhere. */
export const MAX_TENSOR_BYTES = 2 ** 31;
/** Memory the training state must fit in, and how a message names it. */
export interface MemoryBudget {
  readonly bytes: number;
  /** `this machine has`, `a browser tab can use`. */
  readonly whose: string;
  /** Largest single tensor the device holds, when below MAX_TENSOR_BYTES (a GPU's buffer limit). */
  readonly tensorBytes?: number;
}

/** What a browser tab can give one model's training state when the device says nothing (wasm's heap is 4 GiB at most). */
export const BROWSER_MEMORY: MemoryBudget = { bytes: 4 * 2 ** 30, whose: 'a browser tab can use' };

/** What a browser tells about the device it runs on; each field only where the browser has it. */
export interface DeviceMemorySignals {
  /** `navigator.deviceMemory`: GiB of RAM, rounded down to a power of two, at most 8 (Chromium). */
  readonly deviceMemoryGiB?: number;
  /** `performance.memory.jsHeapSizeLimit`: the tab's JavaScript heap limit in bytes (Chromium). */
  readonly jsHeapLimitBytes?: number;
  /** `limits.maxBufferSize` of a hardware WebGPU adapter (the one training will use). */
  readonly gpuMaxBufferBytes?: number;
}

const GIB = 2 ** 30;
const known = (x: number | undefined): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/**
 * The budget a browser tab trains within, from what the device tells: the least of wasm's 4 GiB
 * heap, half the device's RAM (the tab shares it with the system and other tabs) and the
 * JavaScript heap limit; the largest tensor is capped by the GPU's buffer limit. Without signals
 * it is BROWSER_MEMORY. The message names the limit that binds.
 */
export function browserMemoryBudget(s: DeviceMemorySignals): MemoryBudget {
  const limits: { bytes: number; why: string }[] = [{ bytes: BROWSER_MEMORY.bytes, why: '' }];
  if (known(s.deviceMemoryGiB))
    limits.push({
      bytes: (s.deviceMemoryGiB * GIB) / 2,
      why: ` (half of this device's ${formatBytes(s.deviceMemoryGiB * GIB)})`,
    });
  if (known(s.jsHeapLimitBytes))
    limits.push({ bytes: s.jsHeapLimitBytes, why: ' (its JavaScript heap limit)' });
  const least = limits.reduce((a, b) => (b.bytes < a.bytes ? b : a));
  const gpu = s.gpuMaxBufferBytes;
  return {
    bytes: least.bytes,
    whose: `${BROWSER_MEMORY.whose}${least.why}`,
    ...(known(gpu) && gpu < MAX_TENSOR_BYTES ? { tensorBytes: gpu } : {}),
  };
}

const FLOAT_BYTES = 4;

/** What one analysed node contributes (the fields of NodeAnalysis the budget reads). */
export interface BudgetNode {
  readonly id: string;
  /** Upstream node ids. */
  readonly sources: readonly string[];
  readonly paramCount: number;
  /** Output shapes, batch first (null: unknown). */
  readonly outputShapes: readonly (readonly (number | null)[])[];
  /** Layers this node stands for in a chain: 1, or a group's inner depth. */
  readonly depth: number;
}

export interface ResourceEstimate {
  /** Longest chain of layers, and the node that ends it. */
  readonly depth: number;
  readonly deepestNode: string | undefined;
  /** The first node past MAX_LAYER_DEPTH on the longest chain, and its depth. */
  readonly firstTooDeep: { readonly nodeId: string; readonly depth: number } | undefined;
  readonly largestTensor:
    | { readonly bytes: number; readonly nodeId: string; readonly what: string }
    | undefined;
  readonly params: number;
  /** The node holding the most parameters (where the canvas marks a memory error). */
  readonly heaviestNode: string | undefined;
  /** Weights + gradients + optimizer state, float32. */
  readonly trainingBytes: number;
  readonly optimizerSlots: number;
}

/** Optimizer state per weight: Adam keeps two moments, RMSprop one (two centred), momentum SGD one. */
export function optimizerSlots(training: GraphDoc['training']): number {
  if (!training) return 0;
  const p = training.optimizer.params as Record<string, unknown>;
  switch (training.optimizer.type) {
    case 'optimizers.sgd':
      return typeof p.momentum === 'number' && p.momentum > 0 ? 1 : 0;
    case 'optimizers.rmsprop':
      return p.centered === true ? 2 : 1;
    default:
      return 2; // adam, adamw, and anything unknown: assume the most common case
  }
}

/** Nodes in topological order → depth, largest tensor and training memory. */
export function estimateResources(
  nodes: readonly BudgetNode[],
  training: GraphDoc['training'],
): ResourceEstimate {
  const batch = training?.batchSize ?? 32;
  const depthOf = new Map<string, number>();
  let depth = 0;
  let deepestNode: string | undefined;
  let firstTooDeep: ResourceEstimate['firstTooDeep'];
  let largest: ResourceEstimate['largestTensor'];
  let params = 0;
  let heaviest: { id: string; params: number } | undefined;
  const consider = (bytes: number, nodeId: string, what: string) => {
    if (!largest || bytes > largest.bytes) largest = { bytes, nodeId, what };
  };
  for (const n of nodes) {
    let d = 0;
    for (const s of n.sources) d = Math.max(d, depthOf.get(s) ?? 0);
    d += n.depth;
    depthOf.set(n.id, d);
    if (d > depth) {
      depth = d;
      deepestNode = n.id;
    }
    if (d > MAX_LAYER_DEPTH && firstTooDeep === undefined) firstTooDeep = { nodeId: n.id, depth: d };
    params += n.paramCount;
    if (n.paramCount && (!heaviest || n.paramCount > heaviest.params))
      heaviest = { id: n.id, params: n.paramCount };
    // A node's weights are at most its parameter count; its largest weight is what one buffer holds.
    if (n.paramCount) consider(n.paramCount * FLOAT_BYTES, n.id, 'weights');
    for (const shape of n.outputShapes) {
      const perSample = shape.slice(1).reduce<number>((a, x) => a * (x ?? 1), 1);
      consider(perSample * batch * FLOAT_BYTES, n.id, `output for a batch of ${batch}`);
    }
  }
  const slots = optimizerSlots(training);
  return {
    depth,
    deepestNode,
    firstTooDeep,
    largestTensor: largest,
    params,
    heaviestNode: heaviest?.id,
    trainingBytes: params * FLOAT_BYTES * (training ? 2 + slots : 1),
    optimizerSlots: slots,
  };
}

/** `1.1 TiB`, `512 MiB`: binary units, as memory sizes are quoted. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? Number(v.toFixed(v < 10 ? 1 : 0)) : v} ${units[i]}`;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Errors for what cannot run: a chain deeper than MAX_LAYER_DEPTH, a tensor past MAX_TENSOR_BYTES,
 * training state past `memory` (the machine's; BROWSER_MEMORY by default).
 */
export function budgetDiagnostics(
  est: ResourceEstimate,
  titleOf: (id: string) => string,
  memory: MemoryBudget = BROWSER_MEMORY,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const deep = est.firstTooDeep;
  if (deep)
    out.push(
      error(
        'budget/too-deep',
        `Node '${deep.nodeId}' (${titleOf(deep.nodeId)}) is layer ${count(deep.depth)} of a chain ${count(est.depth)} layers long; Netwright builds at most ${count(MAX_LAYER_DEPTH)} layers in a chain. Shorten the chain, or repeat a block fewer times.`,
        { nodeId: deep.nodeId },
      ),
    );
  const t = est.largestTensor;
  const maxTensor = Math.min(MAX_TENSOR_BYTES, memory.tensorBytes ?? MAX_TENSOR_BYTES);
  if (t && t.bytes > maxTensor)
    out.push(
      error(
        'budget/tensor-too-large',
        `Node '${t.nodeId}' (${titleOf(t.nodeId)}): its ${t.what} would take ${formatBytes(t.bytes)} in one tensor; ${maxTensor < MAX_TENSOR_BYTES ? "this device's GPU holds at most" : 'no backend holds more than'} ${formatBytes(maxTensor)} in one. Make the layer smaller${t.what.startsWith('output') ? ' or the batch size smaller' : ''}.`,
        { nodeId: t.nodeId },
      ),
    );
  if (est.trainingBytes > memory.bytes)
    out.push(
      error(
        'budget/memory',
        `The model has ${count(est.params)} parameters: ${formatBytes(est.trainingBytes)} of weights${est.optimizerSlots || est.trainingBytes > est.params * FLOAT_BYTES ? ', gradients and optimizer state' : ''} in float32, more than the ${formatBytes(memory.bytes)} of memory ${memory.whose}. Make the model smaller (fewer units or layers)${est.heaviestNode ? `; '${est.heaviestNode}' holds the most` : ''}.`,
        est.heaviestNode ? { nodeId: est.heaviestNode } : {},
      ),
    );
  return out;
}
