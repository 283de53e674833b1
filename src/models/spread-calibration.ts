/**
 * Puts vectors predicted from content back at the spread of the vectors they predict.
 *
 * Any regression from content onto a factor space (the ridge content map, an item tower run without its id
 * embedding) predicts a conditional mean: its outputs huddle around the average item, with a fraction of the
 * trained vectors' spread. Scored among trained items, such an item looks average to everybody and never
 * reaches anybody's top 20, fans included. SpreadCalibration moves a prediction away from the predictions'
 * mean, v' = mean(targets) + k (v - mean(predictions)), with k = spread x sqrt(total variance of the targets /
 * total variance of the predictions): at spread 1 the placed items spread as widely as the trained ones.
 *
 * It is affine with one scale for every direction, so for any user vector u the score u . v' is a per-user
 * affine function of u . v with a positive slope: the order of placed items among themselves (protocol P2,
 * cold among cold) never changes; only where they fall among the trained items does.
 */
export class SpreadCalibration {
  private constructor(
    /** The spread asked for (1 = the targets' own). */
    readonly spread: number,
    /** k above. */
    readonly scale: number,
    /** mean(targets) - k mean(predictions), one per factor. */
    readonly shift: Float32Array,
  ) {}

  /** The identity: predictions as the regression makes them. */
  static none(factors: number): SpreadCalibration {
    return new SpreadCalibration(0, 1, new Float32Array(factors));
  }

  /** `targets` and `predictions` are n x f row-major: the trained items' vectors and what content predicts for them. */
  static fit(targets: Float32Array, predictions: Float32Array, f: number, spread: number): SpreadCalibration {
    if (targets.length !== predictions.length || targets.length % f !== 0) throw new RangeError(`targets (${targets.length}) and predictions (${predictions.length}) must both be n x ${f}`);
    if (!(spread > 0)) throw new RangeError(`spread must be > 0, got ${spread}`);
    const [targetMean, targetVariance] = meanAndTotalVariance(targets, f);
    const [predictionMean, predictionVariance] = meanAndTotalVariance(predictions, f);
    const scale = predictionVariance > 0 ? spread * Math.sqrt(targetVariance / predictionVariance) : 1;
    return new SpreadCalibration(spread, scale, Float32Array.from(targetMean, (m, c) => m - scale * predictionMean[c]));
  }

  static restore(spread: number, scale: number, shift: Float32Array): SpreadCalibration {
    return new SpreadCalibration(spread, scale, shift);
  }

  /** Calibrates one prediction in place and returns it. */
  apply(v: Float32Array): Float32Array {
    for (let c = 0; c < v.length; c++) v[c] = this.scale * v[c] + this.shift[c];
    return v;
  }
}

/** Column means and the sum of the columns' variances of an n x f matrix (float64 sums). */
function meanAndTotalVariance(x: Float32Array, f: number): [Float64Array, number] {
  const n = x.length / f;
  const mean = new Float64Array(f);
  if (n === 0) return [mean, 0];
  for (let i = 0; i < n; i++) for (let c = 0; c < f; c++) mean[c] += x[i * f + c];
  for (let c = 0; c < f; c++) mean[c] /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < f; c++) {
      const d = x[i * f + c] - mean[c];
      variance += d * d;
    }
  }
  return [mean, variance / n];
}
