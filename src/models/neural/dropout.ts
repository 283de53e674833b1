import { type Layer, type Matrix, matrix, type Param } from "./types.ts";

/** Inverted dropout: in training each entry is zeroed with probability `rate` and the rest scaled by 1/(1-rate); identity otherwise. */
export class Dropout implements Layer {
  private mask?: Float32Array;

  constructor(
    readonly rate: number,
    /** A seeded uniform source, so training is reproducible. */
    private readonly next: () => number,
  ) {
    if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  }

  params(): Param[] {
    return [];
  }

  forward(x: Matrix, train: boolean): Matrix {
    if (!train || this.rate === 0) {
      this.mask = undefined;
      return x;
    }
    const keep = 1 / (1 - this.rate);
    const mask = new Float32Array(x.data.length);
    const y = matrix(x.rows, x.cols);
    for (let i = 0; i < mask.length; i++) {
      mask[i] = this.next() < this.rate ? 0 : keep;
      y.data[i] = x.data[i] * mask[i];
    }
    this.mask = mask;
    return y;
  }

  backward(dy: Matrix): Matrix {
    const mask = this.mask;
    if (!mask) return dy;
    const dx = matrix(dy.rows, dy.cols);
    for (let i = 0; i < mask.length; i++) dx.data[i] = dy.data[i] * mask[i];
    return dx;
  }
}
