// The views an analysis tool returns: plain data with no tfjs import, so the app's main thread
// (the Worker protocol, the Explain drawer) can name them without pulling tfjs into its bundle.

export interface HeatmapItem {
  readonly base: Float32Array;
  readonly heat: Float32Array;
  readonly box?: readonly [number, number, number, number];
  readonly label?: string;
}

/** A grid of images (each H × W × C row-major, values in [0, 1]), with optional captions and values. */
export interface ImagesView {
  readonly kind: 'images';
  readonly title: string;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly images: readonly Float32Array[];
  readonly labels?: readonly string[];
  readonly values?: readonly number[];
}

/** What a tool returns; the Worker's reply uses the same shapes with richer heat-map items. */
export type AnalysisView<H extends HeatmapItem = HeatmapItem> =
  | {
      readonly kind: 'heatmaps';
      readonly height: number;
      readonly width: number;
      readonly items: readonly H[];
    }
  | ImagesView
  | {
      readonly kind: 'curve';
      readonly title: string;
      readonly x: readonly number[];
      readonly y: readonly number[];
    }
  | {
      readonly kind: 'table';
      readonly columns: readonly string[];
      readonly rows: readonly (readonly (string | number)[])[];
    };
