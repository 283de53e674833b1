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
    t[i] = d[i] * dotAt(ys, i * f, x, 0, f);
    for (let j = 0; j <= i; j++) {
      const v = dotAt(ys, i * f, zs, j * f, f);
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

/** a[ai ..] . b[bi ..] over f entries, four independent sums so the additions do not wait on each other. */
function dotAt(a: Float64Array, ai: number, b: Float64Array, bi: number, f: number): number {
  let v0 = 0;
  let v1 = 0;
  let v2 = 0;
  let v3 = 0;
  let c = 0;
  for (; c + 4 <= f; c += 4) {
    v0 += a[ai + c] * b[bi + c];
    v1 += a[ai + c + 1] * b[bi + c + 1];
    v2 += a[ai + c + 2] * b[bi + c + 2];
    v3 += a[ai + c + 3] * b[bi + c + 3];
  }
  for (; c < f; c++) v0 += a[ai + c] * b[bi + c];
  return v0 + v1 + v2 + v3;
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
