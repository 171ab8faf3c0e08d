// Data uploaded in the Train panel (a CSV, an image folder). Like a file uploaded to a Colab
// session, it lives in this page only — never in the graph, the autosave or a share link — so
// after a reload, or for another graph naming another file, the graph's dataset names a file that
// is not loaded, and the picker says so instead of listing it as if it were there.
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';

/** One upload: the file or folder name it came from, and its encoded data. */
export interface Upload {
  readonly source: string;
  readonly dataset: LoadedDataset;
}

/** Uploads of this page by dataset name ('csv', 'images'). */
export type Uploads = Readonly<Record<string, Upload>>;

/** The file or folder a graph's uploaded-dataset choice names (`file` for a CSV, `folder` for images). */
export function uploadSource(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const source = params?.file ?? params?.folder;
  return typeof source === 'string' ? source : undefined;
}

/** This page's upload for a graph's dataset choice, if that very file is loaded. */
export function loadedUpload(
  uploads: Uploads,
  choice: { readonly name: string; readonly params?: Readonly<Record<string, unknown>> } | undefined,
): LoadedDataset | undefined {
  if (!choice || !Object.hasOwn(uploads, choice.name)) return undefined;
  const upload = uploads[choice.name]!;
  return upload.source === uploadSource(choice.params) ? upload.dataset : undefined;
}
