import { bitsSource } from "../../numeric/random.ts";
import { ReusedFloats } from "./reused.ts";
import type { Layer, Matrix, Param } from "./types.ts";

/**
 * Inverted dropout: in training each entry is zeroed with probability `rate` and the rest scaled by 1/(1-rate); identity otherwise.
 * An entry is dropped when its draw from `next` is below `rate`, one draw per entry in order. With a source
 * that draws in bulk (mulberry32) the draws are taken as 32-bit integers in one loop and compared with
 * rate x 2^32, which decides exactly as the float comparison does, so the stream and the masks are the same.
 */
export class Dropout implements Layer {
  /** Per entry of the last training forward: 0 (dropped) or 1/(1-rate); undefined when it was the identity. */
  private mask?: Float32Array;
  private readonly maskStore = new ReusedFloats();
  private readonly output = new ReusedFloats();
  private readonly gradient = new ReusedFloats();

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
    const n = x.data.length;
    const mask = this.maskStore.take(n);
    const fillBits = bitsSource(this.next);
    const xs = x.data;
    const y = this.output.take(n);
    if (fillBits) {
      // The draws land in the mask's own bytes, each read before its slot is overwritten. Without a branch: a
      // random 20% of mispredicted branches cost more than the multiply.
      const bits = new Uint32Array(mask.buffer, mask.byteOffset, n);
      fillBits(bits);
      const threshold = this.rate * 4294967296;
      for (let i = 0; i < n; i++) {
        const m = keep * +(bits[i] >= threshold);
        mask[i] = m;
        y[i] = xs[i] * m;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const m = this.next() < this.rate ? 0 : keep;
        mask[i] = m;
        y[i] = xs[i] * m;
      }
    }
    this.mask = mask;
    return { rows: x.rows, cols: x.cols, data: y };
  }

  backward(dy: Matrix): Matrix {
    const mask = this.mask;
    if (!mask) return dy;
    const dys = dy.data;
    const dx = this.gradient.take(mask.length);
    for (let i = 0; i < dx.length; i++) dx[i] = dys[i] * mask[i];
    return { rows: dy.rows, cols: dy.cols, data: dx };
  }
}
