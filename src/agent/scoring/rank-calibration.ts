import { createFactorScorer, type FactorScorer } from "../../numeric/factor-scorer.ts";
import { topK } from "../../numeric/topk.ts";

/**
 * Puts a score from a factor space on another model's scale by rank: an onboarded item that r trained items
 * outscore in the space gets a score between the model's r-th and (r+1)-th best trained scores (interpolated
 * by where it falls between the space's), so it ranks among the model's trained items where the space ranks it
 * among the same items, whatever the shape of either score distribution. Matching means and standard deviations
 * instead assumed both were alike in shape: item-kNN's scores for a history are a few large similarities over a
 * mass of zeros, so a new family film the space puts 9th for a Pixar history landed 48th (README, "Cold start").
 * A request that has onboarded items to place costs one scan of the trained items in the space (the index's
 * kernel, n f) and two top-k selections.
 */
export class RankCalibration {
  private readonly spaceScores: Float32Array;
  private readonly scorer: FactorScorer;

  constructor(itemVectors: Float32Array, f: number) {
    this.spaceScores = new Float32Array(itemVectors.length / f);
    this.scorer = createFactorScorer(itemVectors, f);
  }

  /**
   * Space score -> model scale, for user vector `user` and the model's scores of the trained items, the two
   * rankings matched `depth` items deep (below it the scale is extrapolated: placeByRank). A list of k needs
   * little more than k; the selections' cost grows with the depth (2000 deep took 2.7 ms of a 5 ms request).
   */
  mapper(user: Float32Array, modelScores: Float32Array, depth: number): (spaceScore: number) => number {
    const { spaceScores } = this;
    this.scorer.score(user, 1, spaceScores);
    const matchedDepth = Math.min(depth, spaceScores.length, modelScores.length);
    const space = bestValues(spaceScores, matchedDepth);
    const model = bestValues(modelScores, matchedDepth);
    const matched = Math.min(space.length, model.length);
    if (matched === 0) return () => 0;
    return (s) => placeByRank(s, space.subarray(0, matched), model.subarray(0, matched));
  }
}

/** The `depth` largest finite values, largest first. */
function bestValues(scores: Float32Array, depth: number): Float32Array {
  const ids = new Int32Array(depth);
  const values = new Float32Array(depth);
  topK(scores, depth, ids, values);
  const found = ids.indexOf(-1);
  return found === -1 ? values : values.subarray(0, found);
}

/**
 * The model-scale score of space score `s`, given the space's and the model's best trained scores, each largest
 * first and of one length: model[r] plus the fraction of the step to model[r - 1] that s covers from space[r]
 * to space[r - 1], where r trained items score above s in the space. Above the best or below the matched depth
 * the scale is the one between the ends of both lists. Non-decreasing in s, so onboarded items keep their order.
 */
export function placeByRank(s: number, space: Float32Array, model: Float32Array): number {
  let lo = 0;
  let hi = space.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (space[mid] > s) lo = mid + 1;
    else hi = mid;
  }
  const last = space.length - 1;
  const slope = space[0] > space[last] ? (model[0] - model[last]) / (space[0] - space[last]) : 1;
  if (lo === 0) return model[0] + (s - space[0]) * slope;
  if (lo > last) return model[last] - (space[last] - s) * slope;
  return model[lo] + ((s - space[lo]) / (space[lo - 1] - space[lo])) * (model[lo - 1] - model[lo]);
}
