import type { DenseKernels } from "../../numeric/dense-kernels.ts";
import { denseParam, glorotUniform } from "./param.ts";
import { type Layer, type Matrix, matrix, type Param } from "./types.ts";

export interface DenseOptions {
  /** Adds a learnt bias per output (default true). */
  bias?: boolean;
  /** Starting weights (inputs x outputs); Glorot uniform from `next` when absent. */
  weights?: Float32Array;
}

/** y = x W + b, with W inputs x outputs. The three products run on the given kernels (WebAssembly SIMD or TypeScript). */
export class Dense implements Layer {
  readonly weight: Param;
  readonly bias?: Param;
  private input?: Matrix;

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
  }

  params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  forward(x: Matrix, _train?: boolean): Matrix {
    if (x.cols !== this.inputs) throw new Error(`dense layer expects ${this.inputs} columns, got ${x.cols}`);
    this.input = x;
    const y = matrix(x.rows, this.outputs);
    if (this.bias) for (let r = 0; r < x.rows; r++) y.data.set(this.bias.value, r * this.outputs);
    this.kernels.matmul(x.data, this.weight.value, y.data, x.rows, this.inputs, this.outputs, this.bias !== undefined);
    return y;
  }

  backward(dy: Matrix): Matrix {
    const x = this.input;
    if (!x) throw new Error("dense layer: backward before forward");
    const { inputs: k, outputs: n } = this;
    this.kernels.matmulTransA(x.data, dy.data, this.weight.grad, x.rows, k, n, true);
    if (this.bias) {
      const g = this.bias.grad;
      for (let r = 0; r < dy.rows; r++) for (let j = 0; j < n; j++) g[j] += dy.data[r * n + j];
    }
    const dx = matrix(x.rows, k);
    this.kernels.matmulTransB(dy.data, this.weight.value, dx.data, x.rows, n, k);
    return dx;
  }
}
