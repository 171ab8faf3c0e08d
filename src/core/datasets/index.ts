// Every built-in dataset. Add a dataset by writing its file and listing it here.
import { attentionTarget } from './attention-target.ts';
import { auFaces } from './au-faces.ts';
import { audioVisual } from './audio-visual.ts';
import { charText } from './char-text.ts';
import { csvUpload } from './csv-upload.ts';
import type { AnyDatasetDef } from './dataset-def.ts';
import { digits8 } from './digits8.ts';
import { dilutedPatterns } from './diluted-patterns.ts';
import { factorModel } from './factor-model.ts';
import { functionFit } from './function-fit.ts';
import { gridCells } from './grid-cells.ts';
import { hierPoly } from './hier-poly.ts';
import { imageFolder } from './image-folder.ts';
import { iris } from './iris.ts';
import { locate } from './locate.ts';
import { mlText } from './ml-text.ts';
import { mnist } from './mnist.ts';
import { moons } from './moons.ts';
import { nested } from './nested.ts';
import { noisySineGrid } from './noisy-sine-grid.ts';
import { pairedSum } from './paired-sum.ts';
import { poissonSine } from './poisson-sine.ts';
import { reluFeatures } from './relu-features.ts';
import { sinRidge } from './sin-ridge.ts';
import { spirals } from './spirals.ts';

export const DATASETS: readonly AnyDatasetDef[] = [
  mnist,
  digits8,
  iris,
  spirals,
  moons,
  functionFit,
  csvUpload,
  imageFolder,
  attentionTarget,
  pairedSum,
  gridCells,
  nested,
  noisySineGrid,
  poissonSine,
  mlText,
  audioVisual,
  factorModel,
  locate,
  dilutedPatterns,
  reluFeatures,
  hierPoly,
  sinRidge,
  charText,
  auFaces,
];

export function findDataset(name: string): AnyDatasetDef | undefined {
  return DATASETS.find((d) => d.name === name);
}
