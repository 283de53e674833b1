// Training kernels of the neural engine in AssemblyScript, compiled to WebAssembly SIMD by scripts/build-wasm.js:
// embedding-bag gathers and scatter-adds, (lazy) Adam, and the row-split products and in-batch softmax.
//
// Every argument is a byte offset into the one shared linear memory the host lays out; nothing is allocated
// here, so one instance per thread can run on the same memory. Kernels take their work in chunks from a
// shared counter (`next`, an i32 the host sets to 0): every thread calling a kernel claims chunks until none
// are left, so one thread alone can do all of it. Every output element is computed by exactly one chunk with
// the same arithmetic whoever runs it, so results do not depend on the number of threads. Matrices are
// row-major and densely packed. The plain TypeScript reference of each kernel is in ../training-kernels.ts.
import { axpyRow } from "./axpy";
import { gemm } from "./gemm";
import { softmaxRow } from "./softmax";
import { transposeBlock } from "./transpose";

/** First byte the host may use; below it lies whatever static data the compiler placed. */
export function heapBase(): usize {
  return __heap_base;
}

/** Entries [first, last) of bag r: `offsets` 0 means bag r is the single entry r. */
// @ts-ignore: decorator
@inline function bagFirst(offsets: usize, bag: i32): i32 {
  return offsets ? load<i32>(offsets + (<usize>bag << 2)) : bag;
}

// @ts-ignore: decorator
@inline function bagLast(offsets: usize, bag: i32): i32 {
  return offsets ? load<i32>(offsets + (<usize>(bag + 1) << 2)) : bag + 1;
}

/** Weight of entry e: `weights` 0 means 1. */
// @ts-ignore: decorator
@inline function weightOf(weights: usize, e: i32): f32 {
  return weights ? load<f32>(weights + (<usize>e << 2)) : 1;
}

/**
 * out row r = sum over bag b of weight_e * table row ids[e] (zeros for an empty bag), for the rows r below
 * `end`, where b = select[r] (`select` 0: b = r). Entries are added in bag order.
 */
export function bagSum(table: usize, width: i32, offsets: usize, ids: usize, weights: usize, select: usize, out: usize, next: usize, chunk: i32, end: i32): void {
  const rowBytes = <usize>width << 2;
  for (let from = atomic.add<i32>(next, chunk); from < end; from = atomic.add<i32>(next, chunk)) {
    const to = min(from + chunk, end);
    for (let r = from; r < to; r++) {
      const o = out + <usize>r * rowBytes;
      memory.fill(o, 0, rowBytes);
      const bag = select ? load<i32>(select + (<usize>r << 2)) : r;
      const last = bagLast(offsets, bag);
      for (let e = bagFirst(offsets, bag); e < last; e++) {
        axpyRow(weightOf(weights, e), table + <usize>load<i32>(ids + (<usize>e << 2)) * rowBytes, o, width);
      }
    }
  }
}

/**
 * The gradient of bagSum: grad row ids[e] += weight_e * gradOut row r for every entry e of the bag of each of
 * the `rows` output rows. The work is split by destination: a chunk is a range of table rows, and its claimer
 * scans every entry and adds those that land in its range, in bag order, so each table row sums its terms
 * in the same order whatever the split. `end` is the table's row count.
 */
export function bagScatter(grad: usize, width: i32, offsets: usize, ids: usize, weights: usize, select: usize, gradOut: usize, rows: i32, next: usize, chunk: i32, end: i32): void {
  const rowBytes = <usize>width << 2;
  for (let from = atomic.add<i32>(next, chunk); from < end; from = atomic.add<i32>(next, chunk)) {
    const to = min(from + chunk, end);
    for (let r = 0; r < rows; r++) {
      const g = gradOut + <usize>r * rowBytes;
      const bag = select ? load<i32>(select + (<usize>r << 2)) : r;
      const last = bagLast(offsets, bag);
      for (let e = bagFirst(offsets, bag); e < last; e++) {
        const id = load<i32>(ids + (<usize>e << 2));
        if (id >= from && id < to) axpyRow(weightOf(weights, e), g, grad + <usize>id * rowBytes, width);
      }
    }
  }
}

/**
 * Adam on the rows below `end` of a (rows x width) parameter: row k is rows[k] (`rows` 0: row k), so a lazy
 * step moves only the rows a gradient touched. m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 * value = value * decay - stepSize m / (sqrt(v) + epsHat) (bias corrections folded into stepSize and epsHat,
 * decay = 1 - lr * weightDecay); the gradient is zeroed.
 */
export function adamRows(value: usize, grad: usize, m: usize, v: usize, width: i32, rows: usize, b1: f32, b2: f32, stepSize: f32, epsHat: f32, decay: f32, next: usize, chunk: i32, end: i32): void {
  const rowBytes = <usize>width << 2;
  const vecBytes = <usize>(width & ~3) << 2;
  const b1v = f32x4.splat(b1), c1v = f32x4.splat(1 - b1), b2v = f32x4.splat(b2), c2v = f32x4.splat(1 - b2);
  const stepv = f32x4.splat(stepSize), epsv = f32x4.splat(epsHat), decayv = f32x4.splat(decay);
  const zero = f32x4.splat(0);
  for (let from = atomic.add<i32>(next, chunk); from < end; from = atomic.add<i32>(next, chunk)) {
    const to = min(from + chunk, end);
    for (let k = from; k < to; k++) {
      const row = <usize>(rows ? load<i32>(rows + (<usize>k << 2)) : k) * rowBytes;
      let o: usize = row;
      const vecEnd = row + vecBytes;
      for (; o < vecEnd; o += 16) {
        const g = v128.load(grad + o);
        const mi = f32x4.add(f32x4.mul(b1v, v128.load(m + o)), f32x4.mul(c1v, g));
        const vi = f32x4.add(f32x4.mul(b2v, v128.load(v + o)), f32x4.mul(c2v, f32x4.mul(g, g)));
        v128.store(m + o, mi);
        v128.store(v + o, vi);
        const x = f32x4.mul(v128.load(value + o), decayv);
        v128.store(value + o, f32x4.sub(x, f32x4.div(f32x4.mul(stepv, mi), f32x4.add(f32x4.sqrt(vi), epsv))));
        v128.store(grad + o, zero);
      }
      const rowEnd = row + rowBytes;
      for (; o < rowEnd; o += 4) {
        const g = load<f32>(grad + o);
        const mi = b1 * load<f32>(m + o) + (1 - b1) * g;
        const vi = b2 * load<f32>(v + o) + (1 - b2) * (g * g);
        store<f32>(m + o, mi);
        store<f32>(v + o, vi);
        store<f32>(value + o, load<f32>(value + o) * decay - (stepSize * mi) / (Mathf.sqrt(vi) + epsHat));
        store<f32>(grad + o, 0);
      }
    }
  }
}

/** Rows below `end` of out (m x n) = A (m x k) . B (k x n), or out += A . B with `accumulate`. Chunks should be multiples of 4 rows (the gemm's blocks). */
export function gemmRows(a: usize, b: usize, out: usize, k: i32, n: i32, accumulate: i32, next: usize, chunk: i32, end: i32): void {
  const rowA = <usize>k << 2;
  const rowOut = <usize>n << 2;
  for (let from = atomic.add<i32>(next, chunk); from < end; from = atomic.add<i32>(next, chunk)) {
    gemm(a + <usize>from * rowA, b, out + <usize>from * rowOut, min(from + chunk, end) - from, k, n, accumulate);
  }
}

/** dst (cols x rows) = src (rows x cols) transposed, split by rows of src below `end` (= rows). */
export function transposeRows(src: usize, dst: usize, rows: i32, cols: i32, next: usize, chunk: i32, end: i32): void {
  for (let from = atomic.add<i32>(next, chunk); from < end; from = atomic.add<i32>(next, chunk)) {
    transposeBlock(src, dst, rows, cols, from, min(from + chunk, end));
  }
}

/**
 * First half of the in-batch softmax over n rows of width d, split by rows i below `end` (= n): logits rows
 * q_i . K^T (kt is K transposed, d x n), turned in place into d(loss)/d(logits) (softmaxRow), the row's
 * cross-entropy into lossRows[i] (f64), gradQ rows = G rows . K, and G's rows into gt's columns, so that the
 * second half, gradK = G^T . Q, is a row-split gemm over gt.
 */
export function softmaxRows(q: usize, k: usize, kt: usize, logits: usize, gt: usize, n: i32, d: i32, invT: f32, logQ: usize, items: usize, lossRows: usize, gradQ: usize, next: usize, chunk: i32, end: i32): void {
  const rowQ = <usize>d << 2;
  const rowL = <usize>n << 2;
  for (let from = atomic.add<i32>(next, chunk); from < end; from = atomic.add<i32>(next, chunk)) {
    const to = min(from + chunk, end);
    const block = logits + <usize>from * rowL;
    gemm(q + <usize>from * rowQ, kt, block, to - from, d, n, 0);
    for (let i = from; i < to; i++) store<f64>(lossRows + (<usize>i << 3), softmaxRow(logits + <usize>i * rowL, i, n, invT, logQ, items));
    gemm(block, k, gradQ + <usize>from * rowQ, to - from, n, d, 0);
    transposeBlock(logits, gt, n, n, from, to);
  }
}
