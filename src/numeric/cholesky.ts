/**
 * Solves A x = b for a symmetric positive definite n x n matrix (row-major), in float64. `a` is overwritten
 * by its Cholesky factor L (lower triangle) and `b` by x. Returns false when A is not positive definite.
 */
export function solveSpd(a: Float64Array, b: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j];
    for (let k = 0; k < j; k++) diag -= a[j * n + k] * a[j * n + k];
    if (!(diag > 0)) return false;
    const ljj = Math.sqrt(diag);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
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
