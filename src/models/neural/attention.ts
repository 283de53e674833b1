import type { AttentionKernels, AttentionShape } from "../../numeric/attention-kernels.ts";
import { createAttentionKernels } from "../../numeric/attention-kernels-wasm.ts";
import { dropoutMask } from "./dropout.ts";
import { ReusedFloats } from "./reused.ts";
import type { Layer, Matrix, Param } from "./types.ts";

/**
 * Sequences packed back to back: sequence s occupies rows offsets[s] .. offsets[s + 1] - 1 of a matrix, oldest
 * first. Packing instead of padding to a fixed length means there are no padding positions at all: the key
 * padding mask of a padded batch becomes the segment bounds, and no work is spent on empty slots.
 */
export interface Packed {
  x: Matrix;
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
 * backward pass and for reading a position's attention over its history. With `weightDropout`, training drops
 * attention weights (torch.nn.MultiheadAttention's dropout: a position forgets some of what it attended to, the
 * rest scaled by 1/(1-rate)); the weights it reports stay the undropped softmax.
 */
export class CausalAttention implements Layer<Packed, Packed> {
  private qkv?: Matrix;
  private offsets: Int32Array = new Int32Array(1);
  /** Softmax weights of the last forward; segment s, head h starts at weightStart[s] + h * tri(n_s). */
  private weights = new Float32Array(0);
  private weightStart: Int32Array = new Int32Array(1);
  /** The dropout mask of the last training forward (laid out as the weights), or undefined. */
  private dropMask?: Float32Array;
  private readonly maskStore = new ReusedFloats();
  private readonly output = new ReusedFloats();
  private readonly gradient = new ReusedFloats();

  constructor(
    readonly width: number,
    readonly heads = 1,
    /** Longest sequence. */
    readonly maxLength = 512,
    private readonly kernels: AttentionKernels = createAttentionKernels(),
    /** Dropout on the attention weights in training: its rate and seeded uniform source (as Dropout's). */
    private readonly weightDropout?: { rate: number; next: () => number },
  ) {
    if (width % heads !== 0) throw new Error(`attention width ${width} is not a multiple of ${heads} heads`);
    const rate = weightDropout?.rate ?? 0;
    if (!(rate >= 0 && rate < 1)) throw new Error(`attention weight dropout rate must be in [0, 1), got ${rate}`);
  }

  params(): Param[] {
    return [];
  }

  forward(input: Packed, train: boolean): Packed {
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
    const out = this.output.take(qkv.rows * w);
    const dropout = this.weightDropout;
    this.dropMask = train && dropout && dropout.rate > 0 ? dropoutMask(starts[segments], dropout.rate, dropout.next, this.maskStore) : undefined;
    this.kernels.forward(this.shape(offsets, starts), qkv.data, out, this.weights, this.dropMask);
    this.qkv = qkv;
    this.offsets = offsets;
    this.weightStart = starts;
    return { x: { rows: qkv.rows, cols: w, data: out }, offsets };
  }

  /** Softmax backward through the kernels (see attentionBackwardReference for the formulas). */
  backward(gradOut: Packed): Packed {
    const qkv = this.qkv;
    if (!qkv) throw new Error("CausalAttention.backward before forward");
    const grad = this.gradient.take(qkv.rows * 3 * this.width);
    this.kernels.backward(this.shape(this.offsets, this.weightStart), qkv.data, this.weights, gradOut.x.data, grad, this.dropMask);
    return { x: { rows: qkv.rows, cols: 3 * this.width, data: grad }, offsets: this.offsets };
  }

  private shape(offsets: Int32Array, weightStart: Int32Array): AttentionShape {
    return { offsets, weightStart, width: this.width, heads: this.heads, maxLength: this.maxLength };
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
