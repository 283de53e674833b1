import type { DenseKernels } from "../../numeric/dense-kernels.ts";
import { type Matrix, matrix } from "./types.ts";

/** log(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * Binary cross-entropy on logits with sampled negatives (SASRec's loss): for each position p with weight
 * mask[p] (1 when absent), -log sigmoid(pos[p]) - log(1 - sigmoid(neg[p])), averaged over the weighted
 * positions. Writes d(loss)/d(pos) and d(loss)/d(neg) into gradPos and gradNeg; returns the loss.
 */
export function sampledBce(pos: Float32Array, neg: Float32Array, gradPos: Float32Array, gradNeg: Float32Array, mask?: Float32Array): number {
  let total = 0;
  let count = 0;
  for (let p = 0; p < pos.length; p++) count += mask ? mask[p] : 1;
  if (count === 0) {
    gradPos.fill(0);
    gradNeg.fill(0);
    return 0;
  }
  for (let p = 0; p < pos.length; p++) {
    const w = mask ? mask[p] : 1;
    total += w * (softplus(-pos[p]) + softplus(neg[p]));
    gradPos[p] = (w * (sigmoid(pos[p]) - 1)) / count;
    gradNeg[p] = (w * sigmoid(neg[p])) / count;
  }
  return total / count;
}

export interface InBatchSoftmaxOptions {
  /** Scores are cosine / temperature when the rows are unit vectors. */
  temperature: number;
  /**
   * log q_j of the item in column j, where q_j is how often that item is drawn as a positive: subtracted from
   * the logits (logQ correction, Yi et al. 2019), so popular items are not punished for being everyone's
   * negative. Omitted: no correction.
   */
  logQ?: Float32Array;
  /** The item in each row: another row with the same item is not a negative for this one (masked out). */
  items?: Int32Array;
}

/**
 * In-batch sampled softmax: row i of `queries` should pick row i of `keys` among all rows of `keys`
 * (logits_ij = q_i . k_j / T - logQ_j). Mean cross-entropy over rows, and the gradients of both inputs.
 * Runs on `kernels` (DenseKernels.inBatchSoftmax: the B x B logits stay inside the WebAssembly kernel).
 */
export function inBatchSoftmax(queries: Matrix, keys: Matrix, o: InBatchSoftmaxOptions, kernels: DenseKernels): { loss: number; gradQueries: Matrix; gradKeys: Matrix } {
  const b = queries.rows;
  const d = queries.cols;
  if (keys.rows !== b || keys.cols !== d) throw new Error(`in-batch softmax: queries ${b} x ${d} and keys ${keys.rows} x ${keys.cols} differ`);
  const gradQueries = matrix(b, d);
  const gradKeys = matrix(b, d);
  const loss = kernels.inBatchSoftmax(queries.data, keys.data, b, d, { invTemperature: 1 / o.temperature, logQ: o.logQ, items: o.items }, gradQueries.data, gradKeys.data);
  return { loss, gradQueries, gradKeys };
}
