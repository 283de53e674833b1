import { sharedLayerKernels } from "../../numeric/dense-kernels-wasm.ts";
import type { LayerKernels } from "../../numeric/dense-kernels.ts";
import { denseParam } from "./param.ts";
import { ReusedFloats } from "./reused.ts";
import type { Layer, Matrix, Param } from "./types.ts";

/**
 * Per row: y = gamma * (x - mean) / sqrt(var + eps) + beta (Ba et al. 2016), gamma starting at 1 and beta at 0.
 * Forward and backward run on the layer kernels (WebAssembly SIMD, or the TypeScript references).
 */
export class LayerNorm implements Layer {
  readonly gamma: Param;
  readonly beta: Param;
  /** (x - mean) * inverse std of the last forward, and its rows' inverse std, for backward. */
  private normalised?: Matrix;
  private inverseStd: Float32Array = new Float32Array(0);
  private readonly normalisedStore = new ReusedFloats();
  private readonly inverseStdStore = new ReusedFloats();
  private readonly output = new ReusedFloats();
  private readonly gradient = new ReusedFloats();

  constructor(
    name: string,
    readonly width: number,
    private readonly eps = 1e-5,
    private readonly kernels: LayerKernels = sharedLayerKernels(),
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
    const rows = x.rows;
    const xhat = this.normalisedStore.take(rows * d);
    const y = this.output.take(rows * d);
    this.inverseStd = this.inverseStdStore.take(rows);
    this.kernels.layerNormForward(x.data, rows, d, this.gamma.value, this.beta.value, this.eps, y, xhat, this.inverseStd);
    this.normalised = { rows, cols: d, data: xhat };
    return { rows, cols: d, data: y };
  }

  backward(dy: Matrix): Matrix {
    const d = this.width;
    const normalised = this.normalised;
    if (!normalised) throw new Error("layer norm: backward before forward");
    const dx = this.gradient.take(dy.rows * d);
    this.kernels.layerNormBackward(dy.data, normalised.data, this.inverseStd, dy.rows, d, this.gamma.value, dx, this.gamma.grad, this.beta.grad);
    return { rows: dy.rows, cols: d, data: dx };
  }
}
