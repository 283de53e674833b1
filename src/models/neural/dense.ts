import { sharedLayerKernels } from "../../numeric/dense-kernels-wasm.ts";
import type { DenseKernels, LayerKernels } from "../../numeric/dense-kernels.ts";
import { denseParam, glorotUniform } from "./param.ts";
import { ReusedFloats } from "./reused.ts";
import type { Layer, Matrix, Param } from "./types.ts";

export interface DenseOptions {
  /** Adds a learnt bias per output (default true). */
  bias?: boolean;
  /** Starting weights (inputs x outputs); Glorot uniform from `next` when absent. */
  weights?: Float32Array;
  /** Kernels for the bias's gradient (the shared layer kernels when absent). */
  layerKernels?: LayerKernels;
}

/** y = x W + b, with W inputs x outputs. The three products run on the given kernels (WebAssembly SIMD or TypeScript). */
export class Dense implements Layer {
  readonly weight: Param;
  readonly bias?: Param;
  private input?: Matrix;
  private readonly output = new ReusedFloats();
  private readonly gradient = new ReusedFloats();
  private readonly layerKernels: LayerKernels;

  constructor(
    name: string,
    readonly inputs: number,
    readonly outputs: number,
    next: () => number,
    private readonly kernels: DenseKernels,
    o: DenseOptions = {},
  ) {
    this.weight = denseParam(`${name}.weight`, o.weights ?? glorotUniform(inputs, outputs, next));
    if (this.weight.value.length !== inputs * outputs) throw new Error(`${name}: weights must be ${inputs} x ${outputs}`);
    if (o.bias ?? true) this.bias = denseParam(`${name}.bias`, new Float32Array(outputs));
    this.layerKernels = o.layerKernels ?? sharedLayerKernels();
  }

  params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  forward(x: Matrix, _train?: boolean): Matrix {
    if (x.cols !== this.inputs) throw new Error(`dense layer expects ${this.inputs} columns, got ${x.cols}`);
    this.input = x;
    const n = this.outputs;
    const y = this.output.take(x.rows * n);
    if (this.bias) for (let r = 0; r < x.rows; r++) y.set(this.bias.value, r * n);
    this.kernels.matmul(x.data, this.weight.value, y, x.rows, this.inputs, n, this.bias !== undefined);
    return { rows: x.rows, cols: n, data: y };
  }

  backward(dy: Matrix): Matrix {
    const x = this.input;
    if (!x) throw new Error("dense layer: backward before forward");
    const { inputs: k, outputs: n } = this;
    this.kernels.matmulTransA(x.data, dy.data, this.weight.grad, x.rows, k, n, true);
    if (this.bias) this.layerKernels.addColumnSums(dy.data, dy.rows, n, this.bias.grad);
    const dx = this.gradient.take(x.rows * k);
    this.kernels.matmulTransB(dy.data, this.weight.value, dx, x.rows, n, k);
    return { rows: x.rows, cols: k, data: dx };
  }
}
