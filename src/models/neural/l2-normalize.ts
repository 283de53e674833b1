import { ReusedFloats } from "./reused.ts";
import { type Layer, type Matrix, matrix, type Param } from "./types.ts";

/** Each row divided by its Euclidean norm (a zero row stays zero): cosine scores become dot products. Outputs and gradients in reused storage (Layer). */
export class L2Normalize implements Layer {
  private output?: Matrix;
  private norms: Float32Array = new Float32Array(0);
  private readonly outputs = new ReusedFloats();
  private readonly normStore = new ReusedFloats();
  private readonly grads = new ReusedFloats();

  constructor(private readonly eps = 1e-12) {}

  params(): Param[] {
    return [];
  }

  forward(x: Matrix, _train?: boolean): Matrix {
    const y = matrix(x.rows, x.cols, this.outputs.take(x.rows * x.cols));
    this.norms = this.normStore.take(x.rows);
    normalizeRows(x.data, x.rows, x.cols, y.data, this.norms, this.eps);
    this.output = y;
    return y;
  }

  /** dx = (dy - y (y . dy)) / |x|: the component of dy along the row is lost in normalising. */
  backward(dy: Matrix): Matrix {
    const y = this.output!;
    const d = y.cols;
    const dx = matrix(dy.rows, d, this.grads.take(dy.rows * d));
    for (let r = 0; r < dy.rows; r++) {
      const o = r * d;
      const norm = this.norms[r];
      if (norm <= this.eps) {
        dx.data.fill(0, o, o + d);
        continue;
      }
      let dot = 0;
      for (let j = 0; j < d; j++) dot += y.data[o + j] * dy.data[o + j];
      for (let j = 0; j < d; j++) dx.data[o + j] = (dy.data[o + j] - y.data[o + j] * dot) / norm;
    }
    return dx;
  }
}

/** out row r = x row r / |x row r| (zero when the norm is at most eps); norms[r] gets the norm. */
export function normalizeRows(x: Float32Array, rows: number, cols: number, out: Float32Array, norms?: Float32Array, eps = 1e-12): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[o + j] * x[o + j];
    const norm = Math.sqrt(s);
    if (norms) norms[r] = norm;
    const inv = norm > eps ? 1 / norm : 0;
    for (let j = 0; j < cols; j++) out[o + j] = x[o + j] * inv;
  }
}
