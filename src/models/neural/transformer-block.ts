import type { AttentionKernels } from "../../numeric/attention-kernels.ts";
import type { DenseKernels } from "../../numeric/dense-kernels.ts";
import { Relu } from "./activations.ts";
import { CausalAttention, type Packed } from "./attention.ts";
import { Dense } from "./dense.ts";
import { Dropout } from "./dropout.ts";
import { LayerNorm } from "./layer-norm.ts";
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
  attentionKernels: AttentionKernels;
}

/**
 * One SASRec block as the paper writes it (Kang and McAuley 2018, section III-B): pre-layer-norm sublayers with
 * residual connections, x + Dropout(SelfAttention(LN(x))) then x + Dropout(FFN(LN(x))), where the self-attention
 * is one fused Q/K/V projection followed by causal attention within each packed sequence, and the point-wise
 * feed-forward network is Dense -> ReLU -> Dropout -> Dense applied to every position alike.
 */
export class TransformerBlock implements Layer<Packed, Packed> {
  readonly attentionNorm: LayerNorm;
  readonly qkv: Dense;
  readonly attention: CausalAttention;
  private readonly attentionDropout: Dropout;
  readonly feedForwardNorm: LayerNorm;
  readonly feedForward: Sequential;
  private offsets?: Int32Array;

  constructor(name: string, o: BlockOptions) {
    const w = o.width;
    this.attentionNorm = new LayerNorm(`${name}.attention_norm`, w);
    this.qkv = new Dense(`${name}.qkv`, w, 3 * w, o.next, o.kernels);
    this.attention = new CausalAttention(w, o.heads, o.maxLength, o.attentionKernels);
    this.attentionDropout = new Dropout(o.dropout, o.next);
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
    return [...this.attentionNorm.params(), ...this.qkv.params(), ...this.feedForwardNorm.params(), ...this.feedForward.params()];
  }

  forward(input: Packed, train: boolean): Packed {
    const { x, offsets } = input;
    this.offsets = offsets;
    const qkv = this.qkv.forward(this.attentionNorm.forward(x));
    const attended = this.attentionDropout.forward(this.attention.forward({ x: qkv, offsets }, train).x, train);
    const h = add(x, attended);
    const y = add(h, this.feedForward.forward(this.feedForwardNorm.forward(h), train));
    return { x: y, offsets };
  }

  backward(gradOut: Packed): Packed {
    const offsets = this.offsets;
    if (!offsets) throw new Error("TransformerBlock.backward before forward");
    const dy = gradOut.x;
    // y = h + FFN(LN(h)): dh = dy + LN'(FFN'(dy)).
    const dh = add(dy, this.feedForwardNorm.backward(this.feedForward.backward(dy)));
    // h = x + Dropout(Attention(QKV(LN(x)))): dx = dh + LN'(QKV'(Attention'(Dropout'(dh)))).
    const dAttended = this.attentionDropout.backward(dh);
    const dqkv = this.attention.backward({ x: dAttended, offsets }).x;
    return { x: add(dh, this.attentionNorm.backward(this.qkv.backward(dqkv))), offsets };
  }
}

/** a + b, elementwise, into a new matrix. */
function add(a: Matrix, b: Matrix): Matrix {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
  return { rows: a.rows, cols: a.cols, data: out };
}
