// Dense-layer kernels in AssemblyScript, compiled to WebAssembly SIMD by scripts/build-wasm.js.
//
// Every argument is a byte offset into the linear memory the host lays out (dense-kernels-wasm.ts copies the
// operands in and the result out); nothing is allocated here. Matrices are row-major and densely packed
// (a row of an m x n matrix is n floats, not padded). The plain TypeScript reference of each kernel is in
// ../dense-kernels.ts.

/** First byte the host may use; below it lies whatever static data the compiler placed. */
export function heapBase(): usize {
  return __heap_base;
}

/** out (m x n) = A (m x k) . B (k x n) (or out += A . B): the product the kernel modules share (./gemm.ts). */
export { gemm } from "./gemm";

/** dst (cols x rows) = src (rows x cols) transposed, in 8 x 8 tiles so both sides stay in cache. */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let r0 = 0; r0 < rows; r0 += 8) {
    const r1 = min(r0 + 8, rows);
    for (let c0 = 0; c0 < cols; c0 += 8) {
      const c1 = min(c0 + 8, cols);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          store<f32>(dst + ((<usize>c * rows + r) << 2), load<f32>(src + ((<usize>r * cols + c) << 2)));
        }
      }
    }
  }
}

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
 * In-batch softmax, in place: row i of `logits` (rows x rows) holds q_i . k_j and becomes d(loss)/d(q_i . k_j)
 * for the mean over rows of the cross-entropy of picking column i, with z_ij = q_i . k_j * invT - logQ[j]
 * (`logQ` 0 = none) and columns j != i whose item equals row i's masked out (`items` 0 = none). Writes the
 * summed cross-entropy (f64) at `lossOut`.
 */
export function softmaxGrad(logits: usize, rows: i32, invT: f32, logQ: usize, items: usize, lossOut: usize): void {
  const n = rows;
  const rowBytes = <usize>n << 2;
  const vecEnd = n & ~3;
  const invTv = f32x4.splat(invT);
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = logits + <usize>i * rowBytes;
    // z and its maximum
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
    if (items) {
      const own = load<i32>(items + (<usize>i << 2));
      for (j = 0; j < n; j++) if (j != i && load<i32>(items + (<usize>j << 2)) == own) store<f32>(row + (<usize>j << 2), -Infinity);
      // The maximum may have been a masked column: recompute it.
      top = -Infinity;
      for (j = 0; j < n; j++) top = max(top, load<f32>(row + (<usize>j << 2)));
    }
    const diagonal = load<f32>(row + (<usize>i << 2)) - top;
    // exp(z - max) and its sum
    const maxs = f32x4.splat(top);
    let sumv = f32x4.splat(0);
    for (j = 0; j < vecEnd; j += 4) {
      const o = <usize>j << 2;
      const e = expv(f32x4.sub(v128.load(row + o), maxs));
      // -Infinity (masked) lanes: the clamp in expv gives e^-87; zero them exactly.
      const masked = f32x4.eq(v128.load(row + o), f32x4.splat(-Infinity));
      const kept = v128.andnot(e, masked);
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
    loss += Math.log(<f64>sum) - <f64>diagonal;
    const scale: f32 = invT / (<f32>n * sum);
    const scalev = f32x4.splat(scale);
    for (j = 0; j < vecEnd; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.mul(v128.load(row + o), scalev));
    }
    for (; j < n; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * scale);
    const d = row + (<usize>i << 2);
    store<f32>(d, load<f32>(d) - invT / <f32>n);
  }
  store<f64>(lossOut, loss);
}

/** Two f32 at p as f64 lanes. */
// @ts-ignore: decorator
@inline function widen(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/**
 * Layer norm over `rows` rows of width d: xhat = (x - mean) / sqrt(var + eps) and y = gamma * xhat + beta per
 * row, with the row's inverse std kept for the backward pass. In f64, each operation in the TypeScript
 * reference's order (sums left to right), so both give the same floats: a model trains alike with and without
 * WebAssembly. The time goes to copying rows in and out; the arithmetic is a small part of a training step.
 */
export function layerNormForward(x: usize, rows: i32, d: i32, gamma: usize, beta: usize, eps: f64, y: usize, xhat: usize, inverseStd: usize): void {
  const rowBytes = <usize>d << 2;
  for (let r = 0; r < rows; r++) {
    const ro = <usize>r * rowBytes;
    const xr = x + ro;
    let mean: f64 = 0;
    for (let o: usize = 0; o < rowBytes; o += 4) mean += <f64>load<f32>(xr + o);
    mean /= <f64>d;
    let variance: f64 = 0;
    for (let o: usize = 0; o < rowBytes; o += 4) {
      const c = <f64>load<f32>(xr + o) - mean;
      variance += c * c;
    }
    const inv: f64 = 1 / Math.sqrt(variance / <f64>d + eps);
    store<f32>(inverseStd + (<usize>r << 2), <f32>inv);
    const hr = xhat + ro;
    const yr = y + ro;
    // Elementwise, so two lanes of f64 at a time give the same floats.
    const meanv = f64x2.splat(mean);
    const invv = f64x2.splat(inv);
    let o: usize = 0;
    for (; o + 8 <= rowBytes; o += 8) {
      const h = f64x2.mul(f64x2.sub(widen(xr + o), meanv), invv);
      v128.store64_lane(hr + o, f32x4.demote_f64x2_zero(h), 0);
      v128.store64_lane(yr + o, f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(widen(gamma + o), h), widen(beta + o))), 0);
    }
    for (; o < rowBytes; o += 4) {
      const h = (<f64>load<f32>(xr + o) - mean) * inv;
      store<f32>(hr + o, <f32>h);
      store<f32>(yr + o, <f32>(<f64>load<f32>(gamma + o) * h + <f64>load<f32>(beta + o)));
    }
  }
}

/**
 * The layer norm's backward pass: with g = dy * gamma, dx = inv / d * (d g - sum(g) - xhat sum(g xhat)) per row,
 * and gammaGrad += sum over rows of dy * xhat, betaGrad += sum over rows of dy. In f64 in the reference's order,
 * as the forward pass.
 */
export function layerNormBackward(dy: usize, xhat: usize, inverseStd: usize, rows: i32, d: i32, gamma: usize, dx: usize, gammaGrad: usize, betaGrad: usize): void {
  const rowBytes = <usize>d << 2;
  const df = <f64>d;
  for (let r = 0; r < rows; r++) {
    const ro = <usize>r * rowBytes;
    const dyr = dy + ro;
    const hr = xhat + ro;
    let sum: f64 = 0;
    let dot: f64 = 0;
    for (let o: usize = 0; o < rowBytes; o += 4) {
      const dyo = <f64>load<f32>(dyr + o);
      const h = <f64>load<f32>(hr + o);
      const g = dyo * <f64>load<f32>(gamma + o);
      sum += g;
      dot += g * h;
      store<f32>(gammaGrad + o, <f32>(<f64>load<f32>(gammaGrad + o) + dyo * h));
      store<f32>(betaGrad + o, <f32>(<f64>load<f32>(betaGrad + o) + dyo));
    }
    const inv = <f64>load<f32>(inverseStd + (<usize>r << 2));
    const dxr = dx + ro;
    const scalev = f64x2.splat(inv / df);
    const dv = f64x2.splat(df);
    const sumv = f64x2.splat(sum);
    const dotv = f64x2.splat(dot);
    let o: usize = 0;
    for (; o + 8 <= rowBytes; o += 8) {
      const inner = f64x2.sub(f64x2.sub(f64x2.mul(f64x2.mul(dv, widen(dyr + o)), widen(gamma + o)), sumv), f64x2.mul(widen(hr + o), dotv));
      v128.store64_lane(dxr + o, f32x4.demote_f64x2_zero(f64x2.mul(scalev, inner)), 0);
    }
    for (; o < rowBytes; o += 4) {
      store<f32>(dxr + o, <f32>((inv / df) * (df * <f64>load<f32>(dyr + o) * <f64>load<f32>(gamma + o) - sum - <f64>load<f32>(hr + o) * dot)));
    }
  }
}

/** mulberry32's output for each lane's state (see ../random.ts): the same int32 steps, four draws at once. */
// @ts-ignore: decorator
@inline function mulberry32x4(s: v128): v128 {
  let t = i32x4.mul(v128.xor(s, i32x4.shr_u(s, 15)), v128.or(s, i32x4.splat(1)));
  t = v128.xor(t, i32x4.add(t, i32x4.mul(v128.xor(t, i32x4.shr_u(t, 7)), v128.or(t, i32x4.splat(61)))));
  return v128.xor(t, i32x4.shr_u(t, 14));
}

// @ts-ignore: decorator
@inline function mulberry32x1(s: u32): u32 {
  let t = (s ^ (s >>> 15)) * (s | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return t ^ (t >>> 14);
}

/**
 * Inverted dropout's forward pass over n floats: draw i is mulberry32's output for state + (i + 1) * weyl; the
 * entry is dropped (mask 0) when the draw is <= lastDropped, else kept (mask `keep`); y = x * mask.
 */
export function dropoutForward(x: usize, n: i32, state: u32, weyl: u32, lastDropped: u32, keep: f32, y: usize, mask: usize): void {
  let s = i32x4(state + weyl, state + 2 * weyl, state + 3 * weyl, state + 4 * weyl);
  const step = i32x4.splat(4 * weyl);
  const last = i32x4.splat(lastDropped);
  const keepv = f32x4.splat(keep);
  const bytes = <usize>n << 2;
  const vecBytes = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < vecBytes; o += 16) {
    const m = v128.and(keepv, i32x4.gt_u(mulberry32x4(s), last));
    v128.store(mask + o, m);
    v128.store(y + o, f32x4.mul(v128.load(x + o), m));
    s = i32x4.add(s, step);
  }
  let state1 = state + <u32>(n & ~3) * weyl;
  for (; o < bytes; o += 4) {
    state1 += weyl;
    const m: f32 = mulberry32x1(state1) > lastDropped ? keep : 0;
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}

/** out = a * b over n floats (dropout's backward pass: dx = dy * mask). */
export function multiply(a: usize, b: usize, n: i32, out: usize): void {
  const bytes = <usize>n << 2;
  const vecBytes = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < vecBytes; o += 16) v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  for (; o < bytes; o += 4) store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o));
}

/** y = max(0, x) over n floats as (0 < x ? x : 0): pmax keeps the comparison's answer for NaN (0) and -0 (0). */
export function relu(x: usize, n: i32, y: usize): void {
  const bytes = <usize>n << 2;
  const vecBytes = <usize>(n & ~3) << 2;
  const zero = f32x4.splat(0);
  let o: usize = 0;
  for (; o < vecBytes; o += 16) v128.store(y + o, f32x4.pmax(zero, v128.load(x + o)));
  for (; o < bytes; o += 4) {
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : 0);
  }
}

/** ReLU's backward pass over n floats: dx = dy where the forward's output y > 0, else 0. */
export function reluBackward(y: usize, dy: usize, n: i32, dx: usize): void {
  const bytes = <usize>n << 2;
  const vecBytes = <usize>(n & ~3) << 2;
  const zero = f32x4.splat(0);
  let o: usize = 0;
  for (; o < vecBytes; o += 16) v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  for (; o < bytes; o += 4) store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
}

/** out (cols) += the column sums of a (rows x cols), row by row (a bias's gradient), four columns at a time. */
export function addColumnSums(a: usize, rows: i32, cols: i32, out: usize): void {
  const rowBytes = <usize>cols << 2;
  const vecBytes = <usize>(cols & ~3) << 2;
  let o: usize = 0;
  for (; o < vecBytes; o += 16) {
    let s = v128.load(out + o);
    for (let r = 0; r < rows; r++) s = f32x4.add(s, v128.load(a + <usize>r * rowBytes + o));
    v128.store(out + o, s);
  }
  for (; o < rowBytes; o += 4) {
    let s = load<f32>(out + o);
    for (let r = 0; r < rows; r++) s += load<f32>(a + <usize>r * rowBytes + o);
    store<f32>(out + o, s);
  }
}
