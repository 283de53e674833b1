// The matrix product shared by the kernel modules (dense.ts exports it; training.ts imports it), in AssemblyScript.
// Matrices are row-major and densely packed; every argument is a byte offset into linear memory.

/**
 * out (m x n) = A (m x k) . B (k x n), or out += A . B when `accumulate` is non-zero. Rows of A go four at a
 * time against eight columns of B (two f32x4): eight accumulators stay in registers while the inner loop over
 * k reads one row segment of B and broadcasts one element of each of the four A rows (v128.load32_splat: one
 * load-and-broadcast instruction; a scalar load then a splat made the whole product about a quarter slower here).
 */
export function gemm(a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  const rowA = <usize>k << 2;
  const rowB = <usize>n << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + <usize>i * rowA;
    const a1 = a0 + rowA;
    const a2 = a1 + rowA;
    const a3 = a2 + rowA;
    const o0 = out + <usize>i * rowB;
    const o1 = o0 + rowB;
    const o2 = o1 + rowB;
    const o3 = o2 + rowB;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const jo = <usize>j << 2;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let bp = b + jo;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const po = <usize>p << 2;
        let s = v128.load32_splat(a0 + po);
        c00 = f32x4.add(c00, f32x4.mul(s, b0));
        c01 = f32x4.add(c01, f32x4.mul(s, b1));
        s = v128.load32_splat(a1 + po);
        c10 = f32x4.add(c10, f32x4.mul(s, b0));
        c11 = f32x4.add(c11, f32x4.mul(s, b1));
        s = v128.load32_splat(a2 + po);
        c20 = f32x4.add(c20, f32x4.mul(s, b0));
        c21 = f32x4.add(c21, f32x4.mul(s, b1));
        s = v128.load32_splat(a3 + po);
        c30 = f32x4.add(c30, f32x4.mul(s, b0));
        c31 = f32x4.add(c31, f32x4.mul(s, b1));
        bp += rowB;
      }
      if (accumulate) {
        c00 = f32x4.add(c00, v128.load(o0 + jo));
        c01 = f32x4.add(c01, v128.load(o0 + jo, 16));
        c10 = f32x4.add(c10, v128.load(o1 + jo));
        c11 = f32x4.add(c11, v128.load(o1 + jo, 16));
        c20 = f32x4.add(c20, v128.load(o2 + jo));
        c21 = f32x4.add(c21, v128.load(o2 + jo, 16));
        c30 = f32x4.add(c30, v128.load(o3 + jo));
        c31 = f32x4.add(c31, v128.load(o3 + jo, 16));
      }
      v128.store(o0 + jo, c00);
      v128.store(o0 + jo, c01, 16);
      v128.store(o1 + jo, c10);
      v128.store(o1 + jo, c11, 16);
      v128.store(o2 + jo, c20);
      v128.store(o2 + jo, c21, 16);
      v128.store(o3 + jo, c30);
      v128.store(o3 + jo, c31, 16);
    }
    // The columns left over: four at a time, then the last 1-3 as the four columns ending at n (a block that
    // overlaps columns already written, of which only the new lanes are stored), so no column runs scalar.
    if (j + 4 <= n) {
      block4x4(a0, rowA, b + (<usize>j << 2), rowB, k, o0 + (<usize>j << 2), rowB, 0, accumulate);
      j += 4;
    }
    if (j < n) {
      if (n >= 4) block4x4(a0, rowA, b + (<usize>(n - 4) << 2), rowB, k, o0 + (<usize>(n - 4) << 2), rowB, 4 - (n - j), accumulate);
      else {
        for (; j < n; j++) {
          const jo = <usize>j << 2;
          let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
          let bp = b + jo;
          for (let p = 0; p < k; p++) {
            const po = <usize>p << 2;
            const bv = load<f32>(bp);
            s0 += load<f32>(a0 + po) * bv;
            s1 += load<f32>(a1 + po) * bv;
            s2 += load<f32>(a2 + po) * bv;
            s3 += load<f32>(a3 + po) * bv;
            bp += rowB;
          }
          if (accumulate) {
            s0 += load<f32>(o0 + jo);
            s1 += load<f32>(o1 + jo);
            s2 += load<f32>(o2 + jo);
            s3 += load<f32>(o3 + jo);
          }
          store<f32>(o0 + jo, s0);
          store<f32>(o1 + jo, s1);
          store<f32>(o2 + jo, s2);
          store<f32>(o3 + jo, s3);
        }
      }
    }
  }
  for (; i < m; i++) {
    const a0 = a + <usize>i * rowA;
    const o0 = out + <usize>i * rowB;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const jo = <usize>j << 2;
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
      let bp = b + jo;
      for (let p = 0; p < k; p++) {
        const s = v128.load32_splat(a0 + (<usize>p << 2));
        c0 = f32x4.add(c0, f32x4.mul(s, v128.load(bp)));
        c1 = f32x4.add(c1, f32x4.mul(s, v128.load(bp, 16)));
        bp += rowB;
      }
      if (accumulate) {
        c0 = f32x4.add(c0, v128.load(o0 + jo));
        c1 = f32x4.add(c1, v128.load(o0 + jo, 16));
      }
      v128.store(o0 + jo, c0);
      v128.store(o0 + jo, c1, 16);
    }
    for (; j < n; j++) {
      const jo = <usize>j << 2;
      let s: f32 = 0;
      let bp = b + jo;
      for (let p = 0; p < k; p++) {
        s += load<f32>(a0 + (<usize>p << 2)) * load<f32>(bp);
        bp += rowB;
      }
      if (accumulate) s += load<f32>(o0 + jo);
      store<f32>(o0 + jo, s);
    }
  }
}

/**
 * Four rows of A (from a0, rowA bytes apart) times the four columns of B starting at b (rows rowB bytes apart),
 * over k: stores lanes from `firstLane` on of each row's result at o (rows rowOut bytes apart), added to what is
 * there when `accumulate` is non-zero. Lanes before firstLane are computed and dropped.
 */
// @ts-ignore: decorator
@inline function block4x4(a0: usize, rowA: usize, b: usize, rowB: usize, k: i32, o: usize, rowOut: usize, firstLane: i32, accumulate: i32): void {
  const a1 = a0 + rowA;
  const a2 = a1 + rowA;
  const a3 = a2 + rowA;
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let bp = b;
  for (let p = 0; p < k; p++) {
    const po = <usize>p << 2;
    const bv = v128.load(bp);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a0 + po), bv));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a1 + po), bv));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a2 + po), bv));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a3 + po), bv));
    bp += rowB;
  }
  storeLanes(o, c0, firstLane, accumulate);
  storeLanes(o + rowOut, c1, firstLane, accumulate);
  storeLanes(o + 2 * rowOut, c2, firstLane, accumulate);
  storeLanes(o + 3 * rowOut, c3, firstLane, accumulate);
}

/** Lanes firstLane..3 of v to o.. (lane l at o + 4 l), added to what is there when `accumulate` is non-zero. */
// @ts-ignore: decorator
@inline function storeLanes(o: usize, v: v128, firstLane: i32, accumulate: i32): void {
  if (firstLane == 0 && !accumulate) {
    v128.store(o, v);
    return;
  }
  const add = accumulate != 0;
  if (firstLane <= 0) store<f32>(o, f32x4.extract_lane(v, 0) + (add ? load<f32>(o) : 0));
  if (firstLane <= 1) store<f32>(o + 4, f32x4.extract_lane(v, 1) + (add ? load<f32>(o + 4) : 0));
  if (firstLane <= 2) store<f32>(o + 8, f32x4.extract_lane(v, 2) + (add ? load<f32>(o + 8) : 0));
  store<f32>(o + 12, f32x4.extract_lane(v, 3) + (add ? load<f32>(o + 12) : 0));
}
