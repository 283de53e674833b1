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
    dropInto(x.data, n, this.rate, this.next, this.kernels, y, mask);
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

/**
 * y = x * mask over n entries, mask[i] = 0 (dropped, when draw i of `next` is below `rate`) or 1/(1-rate): the
 * layer kernels draw a mulberry32 stream's numbers themselves, other sources are called once per entry.
 */
function dropInto(x: Float32Array, n: number, rate: number, next: () => number, kernels: LayerKernels, y: Float32Array, mask: Float32Array): void {
  const stream = seededStream(next);
  if (stream) kernels.dropoutForward(x, n, stream.skip(n), rate, y, mask);
  else {
    const keep = 1 / (1 - rate);
    for (let i = 0; i < n; i++) {
      mask[i] = next() < rate ? 0 : keep;
      y[i] = x[i] * mask[i];
    }
  }
}

let ones = new Float32Array(0);

/**
 * A dropout mask for n entries (0 or 1/(1-rate) each) into `into`, drawn from `next` exactly as Dropout.forward
 * draws its masks: for a layer that applies the mask inside its own kernel (dropout on attention weights).
 */
export function dropoutMask(n: number, rate: number, next: () => number, into: ReusedFloats, kernels: LayerKernels = sharedLayerKernels()): Float32Array {
  if (ones.length < n) ones = new Float32Array(n).fill(1);
  const mask = into.take(n);
  // y = 1 * mask is the mask itself, so both outputs may be the one array.
  dropInto(ones, n, rate, next, kernels, mask, mask);
  return mask;
}
