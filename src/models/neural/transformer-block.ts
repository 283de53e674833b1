import type { AttentionKernels } from "../../numeric/attention-kernels.ts";
import type { DenseKernels } from "../../numeric/dense-kernels.ts";
import { Relu } from "./activations.ts";
import { CausalAttention, type Packed } from "./attention.ts";
import { Dense } from "./dense.ts";
import { Dropout } from "./dropout.ts";
import { LayerNorm } from "./layer-norm.ts";
import { glorotUniform } from "./param.ts";
import { ReusedFloats } from "./reused.ts";
import { Sequential } from "./sequential.ts";
import type { Layer, Matrix, Param } from "./types.ts";

export interface BlockOptions {
  width: number;
  heads: number;
  /** Longest packed sequence. */
  maxLength: number;
  dropout: number;
  next: () => number;
  kernels: DenseKernels;
  /**
   * "pre": pre-layer-norm sublayers (x + Attention(LN(x)), then h + FFN(LN(h))). "query": SASRec.pytorch's
   * layout: the queries read LN(x) while keys and values read x itself, the residual adds onto LN(x), and the
   * feed-forward sublayer reads and adds onto LN(h).
   */
  layout?: "pre" | "query";
  /** A learnt width x width projection of the attended values (torch.nn.MultiheadAttention's out_proj). */
  outputProjection?: boolean;
  /**
   * Where the attention sublayer's dropout goes: "output" (the attended values, as the paper's residual dropout)
   * or "weights" (the softmax weights, as torch.nn.MultiheadAttention's dropout in SASRec.pytorch).
   */
  attentionDropout?: "output" | "weights";
  attentionKernels: AttentionKernels;
}

/**
 * One SASRec block (Kang and McAuley 2018, section III-B): a causal self-attention sublayer and a point-wise
 * feed-forward sublayer (Dense -> ReLU -> Dropout -> Dense -> Dropout, every position alike), each with a
 * residual connection and a layer norm, arranged as `layout` says; the attention's dropout is on its output or
 * its weights (`attentionDropout`). The attention reads one row of [q | k | v]
 * per position and attends within each packed sequence.
 */
export class TransformerBlock implements Layer<Packed, Packed> {
  readonly attentionNorm: LayerNorm;
  /** "pre": the fused Q/K/V projection of LN(x); "query": the Q projection of LN(x). */
  readonly qkv: Dense;
  /** "query" only: the K/V projection of x. */
  private readonly kv?: Dense;
  readonly attention: CausalAttention;
  private readonly projection?: Dense;
  private readonly attentionDropout: Dropout;
  readonly feedForwardNorm: LayerNorm;
  readonly feedForward: Sequential;
  private readonly layout: "pre" | "query";
  private readonly width: number;
  private offsets?: Int32Array;
  /** Storage for the sums and the [q | k | v] rows of each call (what forward returns lives in `output`). */
  private readonly inner = new ReusedFloats();
  private readonly output = new ReusedFloats();
  private readonly qkvRows = new ReusedFloats();
  private readonly gradInner = new ReusedFloats();
  private readonly gradSum = new ReusedFloats();
  private readonly gradInput = new ReusedFloats();
  private readonly gradQ = new ReusedFloats();
  private readonly gradKv = new ReusedFloats();

  constructor(name: string, o: BlockOptions) {
    const w = o.width;
    this.width = w;
    this.layout = o.layout ?? "pre";
    this.attentionNorm = new LayerNorm(`${name}.attention_norm`, w);
    if (this.layout === "pre") this.qkv = new Dense(`${name}.qkv`, w, 3 * w, o.next, o.kernels);
    else {
      // One Glorot draw over the fused w x 3w shape, split by columns: the same scale as the fused projection.
      const fused = glorotUniform(w, 3 * w, o.next);
      const columns = (from: number, to: number) => {
        const out = new Float32Array(w * (to - from));
        for (let r = 0; r < w; r++) out.set(fused.subarray(r * 3 * w + from, r * 3 * w + to), r * (to - from));
        return out;
      };
      this.qkv = new Dense(`${name}.q`, w, w, o.next, o.kernels, { weights: columns(0, w) });
      this.kv = new Dense(`${name}.kv`, w, 2 * w, o.next, o.kernels, { weights: columns(w, 3 * w) });
    }
    const onWeights = o.attentionDropout === "weights";
    this.attention = new CausalAttention(w, o.heads, o.maxLength, o.attentionKernels, onWeights ? { rate: o.dropout, next: o.next } : undefined);
    if (o.outputProjection) this.projection = new Dense(`${name}.attention_out`, w, w, o.next, o.kernels);
    this.attentionDropout = new Dropout(onWeights ? 0 : o.dropout, o.next);
    this.feedForwardNorm = new LayerNorm(`${name}.ffn_norm`, w);
    this.feedForward = new Sequential([
      new Dense(`${name}.ffn1`, w, w, o.next, o.kernels),
      new Relu(),
      new Dropout(o.dropout, o.next),
      new Dense(`${name}.ffn2`, w, w, o.next, o.kernels),
      new Dropout(o.dropout, o.next),
    ]);
  }

  params(): Param[] {
    return [
      ...this.attentionNorm.params(),
      ...this.qkv.params(),
      ...(this.kv?.params() ?? []),
      ...(this.projection?.params() ?? []),
      ...this.feedForwardNorm.params(),
      ...this.feedForward.params(),
    ];
  }

  forward(input: Packed, train: boolean): Packed {
    const { x, offsets } = input;
    this.offsets = offsets;
    const normed = this.attentionNorm.forward(x);
    const qkv = this.kv ? interleave(this.qkv.forward(normed), this.kv.forward(x), this.qkvRows) : this.qkv.forward(normed);
    let attended = this.attention.forward({ x: qkv, offsets }, train).x;
    if (this.projection) attended = this.projection.forward(attended);
    attended = this.attentionDropout.forward(attended, train);
    if (this.layout === "pre") {
      const h = add(x, attended, this.inner);
      return { x: add(h, this.feedForward.forward(this.feedForwardNorm.forward(h), train), this.output), offsets };
    }
    const z = this.feedForwardNorm.forward(add(normed, attended, this.inner));
    return { x: add(z, this.feedForward.forward(z, train), this.output), offsets };
  }

  backward(gradOut: Packed): Packed {
    const offsets = this.offsets;
    if (!offsets) throw new Error("TransformerBlock.backward before forward");
    const dy = gradOut.x;
    // pre: y = h + FFN(LN(h)), dh = dy + LN'(FFN'(dy)); query: y = z + FFN(z) with z = LN(h), dh = LN'(dy + FFN'(dy)).
    const dh =
      this.layout === "pre"
        ? add(dy, this.feedForwardNorm.backward(this.feedForward.backward(dy)), this.gradInner)
        : this.feedForwardNorm.backward(add(dy, this.feedForward.backward(dy), this.gradInner));
    let dAttended = this.attentionDropout.backward(dh);
    if (this.projection) dAttended = this.projection.backward(dAttended);
    const dqkv = this.attention.backward({ x: dAttended, offsets }).x;
    if (!this.kv) {
      // h = x + Attention(QKV(LN(x))): dx = dh + LN'(QKV'(dqkv)).
      return { x: add(dh, this.attentionNorm.backward(this.qkv.backward(dqkv)), this.gradInput), offsets };
    }
    // h = LN(x) + Attention(Q(LN(x)), KV(x)): dx = LN'(dh + Q'(dq)) + KV'(dkv).
    const { q: dq, kv: dkv } = deinterleave(dqkv, this.width, this.gradQ, this.gradKv);
    const dx = this.attentionNorm.backward(add(dh, this.qkv.backward(dq), this.gradSum));
    return { x: add(dx, this.kv.backward(dkv), this.gradInput), offsets };
  }
}

/** Rows [q | kv] from q (rows x w) and kv (rows x 2w), into `into`. */
function interleave(q: Matrix, kv: Matrix, into: ReusedFloats): Matrix {
  const w = q.cols;
  const out = into.take(q.rows * 3 * w);
  for (let r = 0; r < q.rows; r++) {
    out.set(q.data.subarray(r * w, (r + 1) * w), r * 3 * w);
    out.set(kv.data.subarray(r * 2 * w, (r + 1) * 2 * w), r * 3 * w + w);
  }
  return { rows: q.rows, cols: 3 * w, data: out };
}

/** The inverse of interleave, into `qInto` and `kvInto`. */
function deinterleave(qkv: Matrix, w: number, qInto: ReusedFloats, kvInto: ReusedFloats): { q: Matrix; kv: Matrix } {
  const q = qInto.take(qkv.rows * w);
  const kv = kvInto.take(qkv.rows * 2 * w);
  for (let r = 0; r < qkv.rows; r++) {
    q.set(qkv.data.subarray(r * 3 * w, r * 3 * w + w), r * w);
    kv.set(qkv.data.subarray(r * 3 * w + w, (r + 1) * 3 * w), r * 2 * w);
  }
  return { q: { rows: qkv.rows, cols: w, data: q }, kv: { rows: qkv.rows, cols: 2 * w, data: kv } };
}

/** a + b, elementwise, into `into`. */
function add(a: Matrix, b: Matrix, into: ReusedFloats): Matrix {
  const out = into.take(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
  return { rows: a.rows, cols: a.cols, data: out };
}
