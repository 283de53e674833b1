// The in-batch softmax's row kernel, shared by the kernel modules (dense.ts runs it row after row, training.ts
// splits the rows across threads), in AssemblyScript. Arguments are byte offsets into linear memory.

/** exp of each lane: x = n ln2 + r with |r| <= ln2 / 2, 2^n built in the exponent bits, e^r by Cephes' expf polynomial (relative error about 2e-7). */
// @ts-ignore: decorator
@inline function expv(x: v128): v128 {
  const c = f32x4.max(f32x4.min(x, f32x4.splat(88.0)), f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(c, f32x4.splat(1.44269504088896341)));
  const r = f32x4.sub(f32x4.sub(c, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/**
 * Row i of the (n x n) logits holds q_i . k_j; it becomes d(loss)/d(q_i . k_j) for the mean over the n rows of
 * the cross-entropy of picking column i, with z_ij = q_i . k_j * invT - logQ[j] (`logQ` 0 = none) and columns
 * j != i whose item equals row i's masked out (`items` 0 = none; an item < 0 matches nothing). Returns the
 * row's cross-entropy.
 */
export function softmaxRow(row: usize, i: i32, n: i32, invT: f32, logQ: usize, items: usize): f64 {
  const vecEnd = n & ~3;
  const invTv = f32x4.splat(invT);
  let maxv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j < vecEnd; j += 4) {
    const o = <usize>j << 2;
    let z = f32x4.mul(v128.load(row + o), invTv);
    if (logQ) z = f32x4.sub(z, v128.load(logQ + o));
    v128.store(row + o, z);
    maxv = f32x4.max(maxv, z);
  }
  let top: f32 = max(max(f32x4.extract_lane(maxv, 0), f32x4.extract_lane(maxv, 1)), max(f32x4.extract_lane(maxv, 2), f32x4.extract_lane(maxv, 3)));
  for (; j < n; j++) {
    const o = <usize>j << 2;
    let z = load<f32>(row + o) * invT;
    if (logQ) z -= load<f32>(logQ + o);
    store<f32>(row + o, z);
    top = max(top, z);
  }
  // A negative item marks a row whose item no other row has (the host's shortcut): nothing to mask.
  if (items && load<i32>(items + (<usize>i << 2)) >= 0) {
    const own = load<i32>(items + (<usize>i << 2));
    for (j = 0; j < n; j++) if (j != i && load<i32>(items + (<usize>j << 2)) == own) store<f32>(row + (<usize>j << 2), -Infinity);
    // The maximum may have been a masked column: recompute it.
    top = -Infinity;
    for (j = 0; j < n; j++) top = max(top, load<f32>(row + (<usize>j << 2)));
  }
  const diagonal = load<f32>(row + (<usize>i << 2)) - top;
  const maxs = f32x4.splat(top);
  const minusInf = f32x4.splat(-Infinity);
  let sumv = f32x4.splat(0);
  for (j = 0; j < vecEnd; j += 4) {
    const o = <usize>j << 2;
    const z = v128.load(row + o);
    // -Infinity (masked) lanes: the clamp in expv gives e^-87; zero them exactly.
    const kept = v128.andnot(expv(f32x4.sub(z, maxs)), f32x4.eq(z, minusInf));
    v128.store(row + o, kept);
    sumv = f32x4.add(sumv, kept);
  }
  let sum: f32 = f32x4.extract_lane(sumv, 0) + f32x4.extract_lane(sumv, 1) + f32x4.extract_lane(sumv, 2) + f32x4.extract_lane(sumv, 3);
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const e = Mathf.exp(load<f32>(row + o) - top);
    store<f32>(row + o, e);
    sum += e;
  }
  const scale: f32 = invT / (<f32>n * sum);
  const scalev = f32x4.splat(scale);
  for (j = 0; j < vecEnd; j += 4) {
    const o = <usize>j << 2;
    v128.store(row + o, f32x4.mul(v128.load(row + o), scalev));
  }
  for (; j < n; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * scale);
  const d = row + (<usize>i << 2);
  store<f32>(d, load<f32>(d) - invT / <f32>n);
  return Math.log(<f64>sum) - <f64>diagonal;
}
