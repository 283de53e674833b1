/**
 * Plain TypeScript ALS kernels: the obviously-correct reference the WebAssembly kernels (assembly/als.ts) are
 * tested against, and the fallback where WebAssembly cannot be compiled. Matrices are row-major Float32Arrays
 * with `stride` floats per row; only the first `stride` columns are read.
 */

/** The observed entries of one side: row r holds columns indices[indptr[r] .. indptr[r+1]) with values. */
export interface SparseRows {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** out (stride x stride) = sum over rows [start, end) of y_r y_r^T. */
export function gram(y: Float32Array, start: number, end: number, stride: number, out: Float32Array): void {
  out.fill(0, 0, stride * stride);
  for (let r = start; r < end; r++) {
    const row = r * stride;
    for (let a = 0; a < stride; a++) {
      const ya = y[row + a];
      for (let b = 0; b < stride; b++) out[a * stride + b] += ya * y[row + b];
    }
  }
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let d = 0; d < n; d++) s += a[ao + d] * b[bo + d];
  return s;
}

/** y[yo..] += a * x[xo..] */
function axpy(a: number, x: Float32Array, xo: number, y: Float32Array, yo: number, n: number): void {
  for (let d = 0; d < n; d++) y[yo + d] += a * x[xo + d];
}

/** out = scale * (m v[vo..]) for a square n x n matrix m. */
function matvec(m: Float32Array, v: Float32Array, vo: number, out: Float32Array, n: number, scale: number): void {
  for (let a = 0; a < n; a++) out[a] = scale * dot(m, a * n, v, vo, n);
}

/**
 * Conjugate-gradient ALS update of rows [start, end) of x, the algorithm of the `implicit` library: each row
 * starts from its current value and takes `steps` CG steps towards the solution of
 *   (YtY + sum_i (c_i - 1) y_i y_i^T) x_u = sum_i c_i y_i,  c_i = 1 + alpha * value_i
 * over the row's observed entries. `yty` must already hold Y^T Y + reg * I (stride x stride).
 */
export function cgRows(
  rows: SparseRows,
  x: Float32Array,
  y: Float32Array,
  yty: Float32Array,
  stride: number,
  alpha: number,
  steps: number,
  start: number,
  end: number,
): void {
  const r = new Float32Array(stride);
  const p = new Float32Array(stride);
  const ap = new Float32Array(stride);
  for (let u = start; u < end; u++) {
    const xu = u * stride;
    const from = rows.indptr[u];
    const to = rows.indptr[u + 1];

    // r = b - A x
    matvec(yty, x, xu, r, stride, -1);
    for (let e = from; e < to; e++) {
      const yi = rows.indices[e] * stride;
      const c = 1 + alpha * rows.values[e];
      axpy(c - (c - 1) * dot(y, yi, x, xu, stride), y, yi, r, 0, stride);
    }
    p.set(r);
    let rsold = dot(r, 0, r, 0, stride);
    if (rsold < 1e-20) continue;

    for (let it = 0; it < steps; it++) {
      matvec(yty, p, 0, ap, stride, 1);
      for (let e = from; e < to; e++) {
        const yi = rows.indices[e] * stride;
        axpy(alpha * rows.values[e] * dot(y, yi, p, 0, stride), y, yi, ap, 0, stride);
      }
      const step = rsold / dot(p, 0, ap, 0, stride);
      axpy(step, p, 0, x, xu, stride);
      axpy(-step, ap, 0, r, 0, stride);
      const rsnew = dot(r, 0, r, 0, stride);
      if (rsnew < 1e-20) break;
      for (let d = 0; d < stride; d++) p[d] = r[d] + (rsnew / rsold) * p[d];
      rsold = rsnew;
    }
  }
}

/** out[j * items + i] = u_j . v_i for the first `users` rows of u and every one of the `items` rows of v. */
export function scoreRows(u: Float32Array, users: number, v: Float32Array, items: number, stride: number, out: Float32Array): void {
  for (let j = 0; j < users; j++) {
    for (let i = 0; i < items; i++) out[j * items + i] = dot(u, j * stride, v, i * stride, stride);
  }
}
