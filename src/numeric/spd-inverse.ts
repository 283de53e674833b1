import { choleskyLower } from "./cholesky.ts";

/**
 * Inverse of a dense symmetric positive-definite n x n matrix (row-major, float64), in place, through its
 * Cholesky factor: A = L L^T, W = L^{-1}, A^{-1} = W^T W. About n^3 multiply-adds; every inner loop runs
 * along a row, so memory is read contiguously. Two n-length scratch vectors are the only allocation.
 * Returns false (leaving `a` garbage) when A is not positive definite.
 */
export function spdInverse(a: Float64Array, n: number): boolean {
  if (!choleskyLower(a, n)) return false;
  invertLowerInPlace(a, n);
  gramOfLowerIntoSymmetric(a, n);
  return true;
}

/**
 * W = L^{-1}, row by row over the lower triangle: row i of W is (e_i - sum_{k<i} L[i][k] W[k]) / L[i][i],
 * so each step is an axpy of an earlier (finished) row of W. Row i of L is saved first because W's row i
 * overwrites it.
 */
function invertLowerInPlace(a: Float64Array, n: number): void {
  const li = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k <= i; k++) {
      li[k] = a[ri + k];
      a[ri + k] = 0;
    }
    const inv = 1 / li[i];
    a[ri + i] = inv;
    for (let k = 0; k < i; k++) {
      const f = -li[k] * inv;
      if (f === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) a[ri + j] += f * a[rk + j];
    }
  }
}

/**
 * With W lower-triangular in the lower triangle, writes W^T W into the whole matrix. (W^T W)[i][j] for i < j
 * is sum_{k >= j} W[k][i] W[k][j]: rank-one updates by each row k of W, accumulated in the upper triangle
 * (free until now), while the diagonal accumulates in a scratch vector; then the upper half is mirrored down.
 */
function gramOfLowerIntoSymmetric(a: Float64Array, n: number): void {
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = 0;
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const wi = a[rk + i];
      if (wi === 0) continue;
      diag[i] += wi * wi;
      const ri = i * n;
      for (let j = i + 1; j <= k; j++) a[ri + j] += wi * a[rk + j];
    }
  }
  for (let i = 0; i < n; i++) {
    a[i * n + i] = diag[i];
    for (let j = i + 1; j < n; j++) a[j * n + i] = a[i * n + j];
  }
}

/** Naive reference for tests: Gauss-Jordan elimination with partial pivoting on [A | I]. */
export function gaussJordanInverse(a: ArrayLike<number>, n: number): Float64Array {
  const w = 2 * n;
  const m = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m[i * w + j] = a[i * n + j];
    m[i * w + n + i] = 1;
  }
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * w + c]) > Math.abs(m[pivot * w + c])) pivot = r;
    for (let j = 0; j < w; j++) [m[c * w + j], m[pivot * w + j]] = [m[pivot * w + j], m[c * w + j]];
    const p = m[c * w + c];
    for (let j = 0; j < w; j++) m[c * w + j] /= p;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * w + c];
      for (let j = 0; j < w; j++) m[r * w + j] -= f * m[c * w + j];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) inv[i * n + j] = m[i * w + n + j];
  return inv;
}
