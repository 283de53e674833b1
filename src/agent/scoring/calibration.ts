import { finiteMeanAndSd } from "../../numeric/vectors.ts";

/**
 * Puts a score from a factor space on the scale of another model's scores for the same request: both are
 * standardised over the trained items (z = (s - mean) / sd) and matched, so an onboarded item that sits one
 * standard deviation above the average in the space also does so among the model's scores.
 *
 * The space's mean and variance over items for a user vector u are u . mean(y) and u^T Cov(y) u, so the
 * item mean and covariance are computed once here and a request costs O(f^2), not a pass over the catalog.
 */
export class ScoreCalibration {
  private readonly mean: Float64Array;
  private readonly covariance: Float64Array;

  constructor(
    itemVectors: Float32Array,
    private readonly f: number,
  ) {
    const n = itemVectors.length / f;
    this.mean = new Float64Array(f);
    this.covariance = new Float64Array(f * f);
    for (let i = 0; i < n; i++) for (let d = 0; d < f; d++) this.mean[d] += itemVectors[i * f + d] / n;
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < f; r++) {
        const a = itemVectors[i * f + r] - this.mean[r];
        for (let c = 0; c < f; c++) this.covariance[r * f + c] += (a * (itemVectors[i * f + c] - this.mean[c])) / n;
      }
    }
  }

  /** Space score -> model scale, for user vector `user` and the model's scores of the trained items. */
  mapper(user: Float32Array, modelScores: Float32Array): (spaceScore: number) => number {
    const f = this.f;
    let spaceMean = 0;
    let spaceVar = 0;
    for (let r = 0; r < f; r++) {
      spaceMean += user[r] * this.mean[r];
      let row = 0;
      for (let c = 0; c < f; c++) row += this.covariance[r * f + c] * user[c];
      spaceVar += user[r] * row;
    }
    const [modelMean, modelSd] = finiteMeanAndSd(modelScores);
    const spaceSd = Math.sqrt(Math.max(spaceVar, 0));
    if (!(spaceSd > 0)) return () => modelMean;
    return (s) => modelMean + ((s - spaceMean) / spaceSd) * modelSd;
  }
}
