/**
 * Solves (G + sum_i d_i y_i y_i^T) x = b for a few rank-one terms, given what does not change between calls:
 * G^{-1} b and z_i = G^{-1} y_i. By the Woodbury identity, with K_ij = y_i . z_j and w_i = y_i . G^{-1} b,
 *   x = G^{-1} b - sum_j t_j z_j  where  (I + D K) t = D w,
 * an s x s system for s terms instead of an f x f factorisation: O(s^2 f + s^3) against O(f^3).
 * Written with I + D K rather than D^{-1} + K so a zero d_i (a term that adds nothing) needs no inverse,
 * and solved by Gaussian elimination with partial pivoting since d_i < 0 leaves it unsymmetric and indefinite.
 *
 * `ys` and `zs` hold y_i and z_i as rows (s x f, row-major); `x` holds G^{-1} b on entry and the solution on
 * return. Returns false when the small system is numerically singular (the caller then solves directly).
 */
export function lowRankUpdateSolve(s: number, f: number, ys: Float64Array, zs: Float64Array, d: Float64Array, x: Float64Array): boolean {
  if (s === 0) return true;
  const k = new Float64Array(s * s);
  const t = new Float64Array(s);
  // K = Y^T G^{-1} Y is symmetric: one triangle of dot products.
  for (let i = 0; i < s; i++) {
    const yi = i * f;
    let w = 0;
    for (let c = 0; c < f; c++) w += ys[yi + c] * x[c];
    t[i] = d[i] * w;
    for (let j = 0; j <= i; j++) {
      const zj = j * f;
      let v = 0;
      for (let c = 0; c < f; c++) v += ys[yi + c] * zs[zj + c];
      k[i * s + j] = v;
      k[j * s + i] = v;
    }
  }
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) k[i * s + j] *= d[i];
    k[i * s + i] += 1;
  }
  if (!solveInPlace(k, t, s)) return false;
  for (let j = 0; j < s; j++) {
    const zj = j * f;
    const tj = t[j];
    for (let c = 0; c < f; c++) x[c] -= tj * zs[zj + c];
  }
  return true;
}

/** Gaussian elimination with partial pivoting: b := A^{-1} b, A (n x n, row-major) destroyed. */
function solveInPlace(a: Float64Array, b: Float64Array, n: number): boolean {
  let scale = 0;
  for (let p = 0; p < a.length; p++) scale = Math.max(scale, Math.abs(a[p]));
  const tiny = scale * 1e-12;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (!(Math.abs(a[pivot * n + col]) > tiny)) return false;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [a[col * n + c], a[pivot * n + c]] = [a[pivot * n + c], a[col * n + c]];
      [b[col], b[pivot]] = [b[pivot], b[col]];
    }
    const inv = 1 / a[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col] * inv;
      if (factor === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] -= factor * a[col * n + c];
      b[r] -= factor * b[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let v = b[r];
    for (let c = r + 1; c < n; c++) v -= a[r * n + c] * b[c];
    b[r] = v / a[r * n + r];
  }
  return true;
}
