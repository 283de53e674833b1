import { denseParam } from "./param.ts";
import { type Layer, type Matrix, matrix, type Param } from "./types.ts";

/** Per row: y = gamma * (x - mean) / sqrt(var + eps) + beta (Ba et al. 2016), gamma starting at 1 and beta at 0. */
export class LayerNorm implements Layer {
  readonly gamma: Param;
  readonly beta: Param;
  private normalised?: Matrix;
  private inverseStd = new Float32Array(0);

  constructor(
    name: string,
    readonly width: number,
    private readonly eps = 1e-5,
  ) {
    this.gamma = denseParam(`${name}.gamma`, new Float32Array(width).fill(1));
    this.beta = denseParam(`${name}.beta`, new Float32Array(width));
  }

  params(): Param[] {
    return [this.gamma, this.beta];
  }

  forward(x: Matrix, _train?: boolean): Matrix {
    const d = this.width;
    if (x.cols !== d) throw new Error(`layer norm expects ${d} columns, got ${x.cols}`);
    const xhat = matrix(x.rows, d);
    const y = matrix(x.rows, d);
    this.inverseStd = new Float32Array(x.rows);
    const g = this.gamma.value;
    const b = this.beta.value;
    for (let r = 0; r < x.rows; r++) {
      const o = r * d;
      let mean = 0;
      for (let j = 0; j < d; j++) mean += x.data[o + j];
      mean /= d;
      let variance = 0;
      for (let j = 0; j < d; j++) variance += (x.data[o + j] - mean) ** 2;
      const inv = 1 / Math.sqrt(variance / d + this.eps);
      this.inverseStd[r] = inv;
      for (let j = 0; j < d; j++) {
        const h = (x.data[o + j] - mean) * inv;
        xhat.data[o + j] = h;
        y.data[o + j] = g[j] * h + b[j];
      }
    }
    this.normalised = xhat;
    return y;
  }

  /** dx = inv/d * (d * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat)), with dxhat = dy * gamma. */
  backward(dy: Matrix): Matrix {
    const d = this.width;
    const xhat = this.normalised!;
    const dx = matrix(dy.rows, d);
    const g = this.gamma.value;
    for (let r = 0; r < dy.rows; r++) {
      const o = r * d;
      let sum = 0;
      let dot = 0;
      for (let j = 0; j < d; j++) {
        const dh = dy.data[o + j] * g[j];
        sum += dh;
        dot += dh * xhat.data[o + j];
        this.gamma.grad[j] += dy.data[o + j] * xhat.data[o + j];
        this.beta.grad[j] += dy.data[o + j];
      }
      const inv = this.inverseStd[r];
      for (let j = 0; j < d; j++) dx.data[o + j] = (inv / d) * (d * dy.data[o + j] * g[j] - sum - xhat.data[o + j] * dot);
    }
    return dx;
  }
}
