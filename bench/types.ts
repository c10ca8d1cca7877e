/** One benchmark figure: a measured value, the baseline measured in the same run, and the target. */
export interface BenchResult {
  /** e.g. 'engine: accounts scored per second' */
  name: string;
  value: number;
  unit: string;
  /** What the ratio compares against, measured in the same run (e.g. 'unindexed ILIKE scan'). */
  baselineName: string;
  baseline: number;
  /** value / baseline (or baseline / value for "lower is better"), as printed. */
  ratio: number;
  /** Human text of the target and whether it was met, e.g. '≥ 1,000,000/s: met'. */
  target: string;
  met: boolean;
}
