import { sharedLayerKernels } from "../../numeric/dense-kernels-wasm.ts";
import type { LayerKernels } from "../../numeric/dense-kernels.ts";
import { ReusedFloats } from "./reused.ts";
import { type Layer, type Matrix, matrix, type Param } from "./types.ts";

/** max(0, x), elementwise (x > 0 ? x : 0), on the layer kernels. */
export class Relu implements Layer {
  private output?: Matrix;
  private readonly outputStore = new ReusedFloats();
  private readonly gradient = new ReusedFloats();

  constructor(private readonly kernels: LayerKernels = sharedLayerKernels()) {}

  params(): Param[] {
    return [];
  }

  forward(x: Matrix, _train?: boolean): Matrix {
    const n = x.data.length;
    const y = this.outputStore.take(n);
    this.kernels.relu(x.data, n, y);
    this.output = { rows: x.rows, cols: x.cols, data: y };
    return this.output;
  }

  backward(dy: Matrix): Matrix {
    const y = this.output;
    if (!y) throw new Error("relu: backward before forward");
    const dx = this.gradient.take(y.data.length);
    this.kernels.reluBackward(y.data, dy.data, dx.length, dx);
    return { rows: dy.rows, cols: dy.cols, data: dx };
  }
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (as BERT and SASRec implementations use): 0.5 x (1 + tanh(c (x + 0.044715 x^3))). */
export class Gelu implements Layer {
  private input?: Matrix;

  params(): Param[] {
    return [];
  }

  forward(x: Matrix, _train?: boolean): Matrix {
    this.input = x;
    const y = matrix(x.rows, x.cols);
    for (let i = 0; i < y.data.length; i++) {
      const v = x.data[i];
      y.data[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
    }
    return y;
  }

  backward(dy: Matrix): Matrix {
    const x = this.input!;
    const dx = matrix(dy.rows, dy.cols);
    for (let i = 0; i < dx.data.length; i++) {
      const v = x.data[i];
      const t = Math.tanh(GELU_C * (v + 0.044715 * v * v * v));
      const dt = (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * v * v);
      dx.data[i] = dy.data[i] * (0.5 * (1 + t) + 0.5 * v * dt);
    }
    return dx;
  }
}

/** tanh, elementwise. */
export class Tanh implements Layer {
  private output?: Matrix;

  params(): Param[] {
    return [];
  }

  forward(x: Matrix, _train?: boolean): Matrix {
    const y = matrix(x.rows, x.cols);
    for (let i = 0; i < y.data.length; i++) y.data[i] = Math.tanh(x.data[i]);
    this.output = y;
    return y;
  }

  backward(dy: Matrix): Matrix {
    const y = this.output!;
    const dx = matrix(dy.rows, dy.cols);
    for (let i = 0; i < dx.data.length; i++) dx.data[i] = dy.data[i] * (1 - y.data[i] * y.data[i]);
    return dx;
  }
}
