import { type SparseKernels, sparseKernelsReference } from "../../numeric/training-kernels.ts";
import type { Optimizer, Param } from "./types.ts";

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (AdamW), applied to the rows a step updates; 0 by default. */
  weightDecay?: number;
  /** Where the updates run and the moments live (default: the TypeScript references, ordinary arrays). */
  kernels?: SparseKernels;
}

/**
 * Adam (Kingma and Ba 2015). Dense parameters are updated in full every step; embedding tables (Param.touched)
 * lazily: only the rows the step's gradient touched have their moments decayed and their values moved, as
 * TensorFlow's LazyAdam and PyTorch's SparseAdam do, so a step costs the rows it used, not the table. Bias
 * correction uses the global step count. step() zeroes the gradients it consumed and clears `touched`. The
 * updates run on the given kernels (SparseKernels.adam).
 */
export class Adam implements Optimizer {
  private readonly state = new Map<Param, { m: Float32Array; v: Float32Array }>();
  private t = 0;
  readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly kernels: SparseKernels;
  /** The touched rows of the parameter being updated (reused from step to step). */
  private rows = new Int32Array(0);

  constructor(o: AdamOptions) {
    this.lr = o.lr;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
    this.kernels = o.kernels ?? sparseKernelsReference;
  }

  get steps(): number {
    return this.t;
  }

  step(params: readonly Param[]): void {
    this.t++;
    const { beta1, beta2 } = this;
    const constants = {
      beta1,
      beta2,
      // lr * sqrt(1 - b2^t) / (1 - b1^t): both bias corrections folded into the step size.
      stepSize: (this.lr * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t),
      epsHat: this.eps * Math.sqrt(1 - beta2 ** this.t),
      decay: 1 - this.lr * this.weightDecay,
    };
    for (const p of params) {
      let s = this.state.get(p);
      if (!s) this.state.set(p, (s = { m: this.kernels.allocate(p.value.length), v: this.kernels.allocate(p.value.length) }));
      if (p.touched) {
        const touched = p.touched.rows;
        if (this.rows.length < touched.size) this.rows = new Int32Array(Math.max(touched.size, 2 * this.rows.length));
        let k = 0;
        for (const r of touched) this.rows[k++] = r;
        this.kernels.adam(p.value, p.grad, s.m, s.v, p.touched.width, this.rows, k, constants);
        touched.clear();
      } else this.kernels.adam(p.value, p.grad, s.m, s.v, p.value.length, undefined, 0, constants);
    }
  }
}
