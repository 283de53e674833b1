// Dense-layer kernels in AssemblyScript, compiled to WebAssembly SIMD by scripts/build-wasm.js.
//
// Every argument is a byte offset into the linear memory the host lays out (dense-kernels-wasm.ts copies the
// operands in and the result out); nothing is allocated here. Matrices are row-major and densely packed
// (a row of an m x n matrix is n floats, not padded). The plain TypeScript reference of each kernel is in
// ../dense-kernels.ts.

import { softmaxRow } from "./softmax";
import { transposeBlock } from "./transpose";

/** First byte the host may use; below it lies whatever static data the compiler placed. */
export function heapBase(): usize {
  return __heap_base;
}

/** out (m x n) = A (m x k) . B (k x n) (or out += A . B): the product the kernel modules share (./gemm.ts). */
export { gemm } from "./gemm";

/** dst (cols x rows) = src (rows x cols) transposed, in 8 x 8 tiles so both sides stay in cache. */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  transposeBlock(src, dst, rows, cols, 0, rows);
}

/**
 * In-batch softmax, in place: row i of `logits` (rows x rows) holds q_i . k_j and becomes d(loss)/d(q_i . k_j)
 * for the mean over rows of the cross-entropy of picking column i (softmaxRow, ./softmax.ts). Writes the summed
 * cross-entropy (f64) at `lossOut`.
 */
export function softmaxGrad(logits: usize, rows: i32, invT: f32, logQ: usize, items: usize, lossOut: usize): void {
  const rowBytes = <usize>rows << 2;
  let loss: f64 = 0;
  for (let i = 0; i < rows; i++) loss += softmaxRow(logits + <usize>i * rowBytes, i, rows, invT, logQ, items);
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
