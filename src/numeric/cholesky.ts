/**
 * Solves A x = b for a symmetric positive definite n x n matrix (row-major), in float64. `a` is overwritten
 * by its Cholesky factor L (lower triangle) and `b` by x. Returns false when A is not positive definite.
 */
export function solveSpd(a: Float64Array, b: Float64Array, n: number): boolean {
  if (!choleskyLower(a, n)) return false;
  // L y = b, then L^T x = y.
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= a[i * n + k] * b[k];
    b[i] = s / a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= a[k * n + i] * b[k];
    b[i] = s / a[i * n + i];
  }
  return true;
}

/** Row-oriented (Cholesky-Banachiewicz) factorisation; L overwrites the lower triangle, the upper is untouched. */
export function choleskyLower(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      if (j < i) {
        a[ri + j] = s / a[rj + j];
      } else {
        if (!(s > 0)) return false;
        a[ri + i] = Math.sqrt(s);
      }
    }
  }
  return true;
}
