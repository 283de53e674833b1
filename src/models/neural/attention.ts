import type { Layer, Matrix, Param } from "./types.ts";

/**
 * Sequences packed back to back: sequence s occupies rows offsets[s] .. offsets[s + 1] - 1 of a matrix, oldest
 * first. Packing instead of padding to a fixed length means there are no padding positions at all: the key
 * padding mask of a padded batch becomes the segment bounds, and no work is spent on empty slots.
 */
export interface Packed<M = Matrix> {
  x: M;
  offsets: Int32Array;
}

/**
 * Scaled dot-product attention, causal within each packed sequence (Vaswani et al. 2017; SASRec's
 * self-attention, Kang and McAuley 2018). Input: one row per position holding [q | k | v] (cols = 3 x width),
 * i.e. the output of one fused Q/K/V projection; output: the attended values (width cols). Position i of a
 * sequence attends to positions 0..i of the same sequence only. `heads` split the width into equal parts that
 * attend separately and are concatenated (no output projection: as in the paper, the feed-forward block follows).
 *
 * Keeps the softmax weights of the last forward (per head, per sequence, the lower triangle row by row) for the
 * backward pass and for reading a position's attention over its history.
 */
export class CausalAttention implements Layer<Packed, Packed> {
  private readonly headWidth: number;
  private readonly scale: number;
  private qkv?: Matrix;
  private offsets: Int32Array = new Int32Array(1);
  /** Softmax weights of the last forward; segment s, head h starts at weightStart[s] + h * tri(n_s). */
  private weights = new Float32Array(0);
  private weightStart: Int32Array = new Int32Array(1);
  private readonly dp: Float32Array;

  constructor(
    readonly width: number,
    readonly heads = 1,
    /** Longest sequence; sizes a scratch row. */
    readonly maxLength = 512,
  ) {
    if (width % heads !== 0) throw new Error(`attention width ${width} is not a multiple of ${heads} heads`);
    this.headWidth = width / heads;
    this.scale = 1 / Math.sqrt(this.headWidth);
    this.dp = new Float32Array(maxLength);
  }

  params(): Param[] {
    return [];
  }

  forward(input: Packed, _train: boolean): Packed {
    const { x: qkv, offsets } = input;
    const w = this.width;
    if (qkv.cols !== 3 * w) throw new Error(`attention expects ${3 * w} columns ([q | k | v]), got ${qkv.cols}`);
    const segments = offsets.length - 1;
    const starts = new Int32Array(segments + 1);
    for (let s = 0; s < segments; s++) {
      const n = offsets[s + 1] - offsets[s];
      if (n > this.maxLength) throw new Error(`sequence of ${n} positions is longer than the attention's ${this.maxLength}`);
      starts[s + 1] = starts[s] + this.heads * tri(n);
    }
    if (this.weights.length < starts[segments]) this.weights = new Float32Array(starts[segments]);
    const out = new Float32Array(qkv.rows * w);
    const a = qkv.data;
    const stride = 3 * w;
    const dh = this.headWidth;
    for (let s = 0; s < segments; s++) {
      const first = offsets[s];
      const n = offsets[s + 1] - first;
      for (let h = 0; h < this.heads; h++) {
        const p = starts[s] + h * tri(n);
        const qo = h * dh;
        const ko = w + h * dh;
        const vo = 2 * w + h * dh;
        for (let i = 0; i < n; i++) {
          const row = p + (i * (i + 1)) / 2;
          const qi = (first + i) * stride + qo;
          let max = -Infinity;
          for (let j = 0; j <= i; j++) {
            const kj = (first + j) * stride + ko;
            let d0 = 0;
            let d1 = 0;
            let c = 0;
            for (; c + 1 < dh; c += 2) {
              d0 += a[qi + c] * a[kj + c];
              d1 += a[qi + c + 1] * a[kj + c + 1];
            }
            if (c < dh) d0 += a[qi + c] * a[kj + c];
            const score = (d0 + d1) * this.scale;
            this.weights[row + j] = score;
            if (score > max) max = score;
          }
          let sum = 0;
          for (let j = 0; j <= i; j++) {
            const e = Math.exp(this.weights[row + j] - max);
            this.weights[row + j] = e;
            sum += e;
          }
          const o = (first + i) * w + h * dh;
          for (let j = 0; j <= i; j++) {
            const pj = this.weights[row + j] / sum;
            this.weights[row + j] = pj;
            const vj = (first + j) * stride + vo;
            for (let c = 0; c < dh; c++) out[o + c] += pj * a[vj + c];
          }
        }
      }
    }
    this.qkv = qkv;
    this.offsets = offsets;
    this.weightStart = starts;
    return { x: { rows: qkv.rows, cols: w, data: out }, offsets };
  }

  /**
   * Softmax backward: with P the weights, dP_ij = dO_i . v_j and dS_ij = P_ij (dP_ij - sum_j P_ij dP_ij); then
   * dq_i = scale sum_j dS_ij k_j, dk_j += scale dS_ij q_i, dv_j += P_ij dO_i.
   */
  backward(gradOut: Packed): Packed {
    const qkv = this.qkv;
    if (!qkv) throw new Error("CausalAttention.backward before forward");
    const w = this.width;
    const stride = 3 * w;
    const dh = this.headWidth;
    const a = qkv.data;
    const g = gradOut.x.data;
    const grad = new Float32Array(qkv.rows * stride);
    const offsets = this.offsets;
    const dp = this.dp;
    for (let s = 0; s < offsets.length - 1; s++) {
      const first = offsets[s];
      const n = offsets[s + 1] - first;
      for (let h = 0; h < this.heads; h++) {
        const p = this.weightStart[s] + h * tri(n);
        const qo = h * dh;
        const ko = w + h * dh;
        const vo = 2 * w + h * dh;
        for (let i = 0; i < n; i++) {
          const row = p + (i * (i + 1)) / 2;
          const gi = (first + i) * w + h * dh;
          let weighted = 0;
          for (let j = 0; j <= i; j++) {
            const vj = (first + j) * stride + vo;
            let d = 0;
            for (let c = 0; c < dh; c++) d += g[gi + c] * a[vj + c];
            dp[j] = d;
            weighted += this.weights[row + j] * d;
          }
          const qi = (first + i) * stride + qo;
          for (let j = 0; j <= i; j++) {
            const pj = this.weights[row + j];
            const ds = pj * (dp[j] - weighted) * this.scale;
            const kj = (first + j) * stride + ko;
            const vj = (first + j) * stride + vo;
            for (let c = 0; c < dh; c++) {
              grad[qi + c] += ds * a[kj + c];
              grad[kj + c] += ds * a[qi + c];
              grad[vj + c] += pj * g[gi + c];
            }
          }
        }
      }
    }
    return { x: { rows: qkv.rows, cols: stride, data: grad }, offsets };
  }

  /**
   * The last forward's attention of the last position of sequence `s` over that sequence's positions (oldest
   * first), averaged over heads; sums to 1.
   */
  lastRowWeights(s: number): Float32Array {
    const n = this.offsets[s + 1] - this.offsets[s];
    const out = new Float32Array(n);
    if (n === 0) return out;
    for (let h = 0; h < this.heads; h++) {
      const row = this.weightStart[s] + h * tri(n) + ((n - 1) * n) / 2;
      for (let j = 0; j < n; j++) out[j] += this.weights[row + j] / this.heads;
    }
    return out;
  }
}

/** Entries of a lower triangle with the diagonal, n x n. */
function tri(n: number): number {
  return (n * (n + 1)) / 2;
}
