import type { Optimizer, Param } from "./types.ts";

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (AdamW), applied to the rows a step updates; 0 by default. */
  weightDecay?: number;
}

/**
 * Adam (Kingma and Ba 2015). Dense parameters are updated in full every step; embedding tables (Param.touched)
 * lazily: only the rows the step's gradient touched have their moments decayed and their values moved, as
 * TensorFlow's LazyAdam and PyTorch's SparseAdam do, so a step costs the rows it used, not the table. Bias
 * correction uses the global step count. step() zeroes the gradients it consumed and clears `touched`.
 */
export class Adam implements Optimizer {
  private readonly state = new Map<Param, { m: Float32Array; v: Float32Array }>();
  private t = 0;
  readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(o: AdamOptions) {
    this.lr = o.lr;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
  }

  get steps(): number {
    return this.t;
  }

  step(params: readonly Param[]): void {
    this.t++;
    const { beta1: b1, beta2: b2 } = this;
    // lr * sqrt(1 - b2^t) / (1 - b1^t): both bias corrections folded into the step size.
    const stepSize = (this.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    const epsHat = this.eps * Math.sqrt(1 - b2 ** this.t);
    for (const p of params) {
      let s = this.state.get(p);
      if (!s) this.state.set(p, (s = { m: new Float32Array(p.value.length), v: new Float32Array(p.value.length) }));
      if (p.touched) {
        const w = p.touched.width;
        for (const r of p.touched.rows) this.update(p, s.m, s.v, r * w, (r + 1) * w, stepSize, epsHat);
        p.touched.rows.clear();
      } else this.update(p, s.m, s.v, 0, p.value.length, stepSize, epsHat);
    }
  }

  private update(p: Param, m: Float32Array, v: Float32Array, from: number, to: number, stepSize: number, epsHat: number): void {
    const { beta1: b1, beta2: b2 } = this;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    const { value, grad } = p;
    const decay = 1 - this.lr * this.weightDecay;
    for (let i = from; i < to; i++) {
      const g = grad[i];
      const mi = b1 * m[i] + c1 * g;
      const vi = b2 * v[i] + c2 * g * g;
      m[i] = mi;
      v[i] = vi;
      value[i] = value[i] * decay - (stepSize * mi) / (Math.sqrt(vi) + epsHat);
      grad[i] = 0;
    }
  }
}
