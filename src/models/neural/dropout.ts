import { sharedLayerKernels } from "../../numeric/dense-kernels-wasm.ts";
import type { LayerKernels } from "../../numeric/dense-kernels.ts";
import { seededStream } from "../../numeric/random.ts";
import { ReusedFloats } from "./reused.ts";
import type { Layer, Matrix, Param } from "./types.ts";

/**
 * Inverted dropout: in training each entry is zeroed with probability `rate` and the rest scaled by 1/(1-rate); identity otherwise.
 * An entry is dropped when its draw from `next` is below `rate`, one draw per entry in order. When `next` is a
 * mulberry32 stream the layer kernels compute those draws themselves (SeededRandom.skip), deciding exactly as
 * calls would, so the stream and the masks are the same either way.
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
    private readonly kernels: LayerKernels = sharedLayerKernels(),
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
    const n = x.data.length;
    const mask = this.maskStore.take(n);
    const y = this.output.take(n);
    const stream = seededStream(this.next);
    if (stream) this.kernels.dropoutForward(x.data, n, stream.skip(n), this.rate, y, mask);
    else {
      const keep = 1 / (1 - this.rate);
      for (let i = 0; i < n; i++) {
        mask[i] = this.next() < this.rate ? 0 : keep;
        y[i] = x.data[i] * mask[i];
      }
    }
    this.mask = mask;
    return { rows: x.rows, cols: x.cols, data: y };
  }

  backward(dy: Matrix): Matrix {
    const mask = this.mask;
    if (!mask) return dy;
    const dx = this.gradient.take(mask.length);
    this.kernels.dropoutBackward(dy.data, mask, mask.length, dx);
    return { rows: dy.rows, cols: dy.cols, data: dx };
  }
}
