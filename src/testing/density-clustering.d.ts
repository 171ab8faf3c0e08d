// Types for the npm `density-clustering` test oracle (DBSCAN), which ships none. Tests only.
declare module 'density-clustering' {
  export class DBSCAN {
    /** Clusters as arrays of point indices; neighbours are points at distance < epsilon (strict). */
    run(
      dataset: number[][],
      epsilon: number,
      minPts: number,
      distance?: (a: number[], b: number[]) => number,
    ): number[][];
    /** Points first visited as noise (may later have joined a cluster as border points). */
    noise: number[];
  }
}
