// Set-up shared by the CAM experiments (grad-cam-explainer, eigen-cam-locate, cf-cam-locate; not an
// experiment: the leading `_` keeps discovery from listing it): the seeded `locate` data, the
// template CNN built and trained on it, then an analysis context over the first validation images.
import type { LoadedDataset } from '../../core/datasets/dataset-def.ts';
import { findDataset } from '../../core/datasets/index.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { analysisContext } from '../../explain/context.ts';
import type { AnalysisContext } from '../../explain/tool.ts';
import { type Built, build, trainAndEvaluate, withModel } from './_kan-shared.ts';
import type { ExperimentContext } from './experiment.ts';

export interface LocateRun {
  readonly built: Built;
  readonly data: LoadedDataset;
  /** Validation accuracy after training. */
  readonly acc: number;
  /** The trainer's status line. */
  readonly status: string;
  /** Analysis context over the first `evalSamples` validation images, true classes. */
  readonly c: AnalysisContext;
  /** Input image height and width. */
  readonly h: number;
  readonly w: number;
}

/**
 * Loads `locate` (seed `seed`, `samples` images, the given data params), trains the template's CNN
 * for `epochs`, and calls `body` with the trained model and an analysis context over `evalSamples`
 * validation images; the context's tensors and the model are disposed afterwards.
 */
export async function onTrainedLocate<R>(
  ctx: ExperimentContext,
  opts: {
    seed: number;
    epochs: number;
    samples: number;
    evalSamples: number;
    data?: Record<string, unknown>;
  },
  body: (run: LocateRun) => Promise<R> | R,
): Promise<R> {
  const { seed, epochs } = opts;
  const locate = findDataset('locate')!;
  const data = await locate.load(
    resolveParams(locate.params, { samples: opts.samples, ...opts.data }).values,
    createRng(seed),
    ctx.io,
  );
  return withModel(build(ctx.templateText, ctx.registry, seed), async (b) => {
    const r = await trainAndEvaluate(b, ctx.registry, data, { seed, epochs });
    const c = analysisContext(b.compiled, data, { samples: opts.evalSamples, classes: 'true' });
    try {
      const [, h, w] = c.feeds[c.imageInput]!.shape as number[];
      return await body({
        built: b,
        data,
        acc: r.val.metrics.accuracy!,
        status: r.status,
        c,
        h: h!,
        w: w!,
      });
    } finally {
      c.dispose();
    }
  });
}
