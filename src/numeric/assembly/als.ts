// ALS kernels in AssemblyScript, compiled to WebAssembly SIMD by scripts/build-wasm.js.
//
// Every argument is a byte offset into the one (shared) linear memory that the host lays out; nothing is
// allocated here, so several instances (one per thread) can share that memory. Row-wise kernels take their
// rows in chunks from a shared counter (`next`, an i32 the host sets to the first row): every thread that
// calls the kernel keeps claiming chunks until none are left, so a thread the OS deschedules delays nobody,
// and one thread alone can do all the work. Factor matrices are row-major with a row stride of `stride`
// floats, a multiple of 4 whose padding lanes are zero, so every row is a whole number of f32x4 vectors.
// The plain TypeScript reference of each kernel is in ../als-kernels.ts.

import { axpyRow } from "./axpy";

/** First byte the host may use; below it lies whatever static data the compiler placed. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** a . b over `stride` floats; four accumulators so consecutive adds do not wait on each other. */
// @ts-ignore: decorator
@inline function dot(a: usize, b: usize, stride: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  const bytes = <usize>stride << 2;
  let o: usize = 0;
  for (; o + 64 <= bytes; o += 64) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
    s2 = f32x4.add(s2, f32x4.mul(v128.load(a + o, 32), v128.load(b + o, 32)));
    s3 = f32x4.add(s3, f32x4.mul(v128.load(a + o, 48), v128.load(b + o, 48)));
  }
  for (; o < bytes; o += 16) s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  return hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
}

/**
 * out = scale * (A v) for a symmetric stride x stride matrix A, so row a of A is also its column a:
 * out = sum_a v[a] * A[a, :]. Columns go in blocks of 16 floats whose 4 accumulators stay in registers, so
 * each step of the inner loop is loads of A and multiply-adds, with no load or store of `out`. (Blocks of 32
 * floats were half as fast: V8 keeps 15 vector registers and spilled an accumulator to the stack.)
 */
/** out[o] += s0 y0[o] + s1 y1[o] + s2 y2[o] + s3 y3[o] for byte offsets o in [from, to): four rows per pass over out. */
@inline function axpy4(s0: v128, s1: v128, s2: v128, s3: v128, y0: usize, y1: usize, y2: usize, y3: usize, out: usize, from: usize, to: usize): void {
  for (let o = from; o < to; o += 16) {
    let acc = v128.load(out + o);
    acc = f32x4.add(acc, f32x4.mul(s0, v128.load(y0 + o)));
    acc = f32x4.add(acc, f32x4.mul(s1, v128.load(y1 + o)));
    acc = f32x4.add(acc, f32x4.mul(s2, v128.load(y2 + o)));
    acc = f32x4.add(acc, f32x4.mul(s3, v128.load(y3 + o)));
    v128.store(out + o, acc);
  }
}

function symv(matrix: usize, v: usize, out: usize, stride: i32, scale: f32): void {
  const bytes = <usize>stride << 2;
  const k = f32x4.splat(scale);
  let c: usize = 0;
  for (; c + 64 <= bytes; c += 64) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let row = matrix + c;
    for (let a: usize = 0; a < bytes; a += 4) {
      const s = f32x4.splat(load<f32>(v + a));
      a0 = f32x4.add(a0, f32x4.mul(s, v128.load(row)));
      a1 = f32x4.add(a1, f32x4.mul(s, v128.load(row, 16)));
      a2 = f32x4.add(a2, f32x4.mul(s, v128.load(row, 32)));
      a3 = f32x4.add(a3, f32x4.mul(s, v128.load(row, 48)));
      row += bytes;
    }
    v128.store(out + c, f32x4.mul(k, a0));
    v128.store(out + c, f32x4.mul(k, a1), 16);
    v128.store(out + c, f32x4.mul(k, a2), 32);
    v128.store(out + c, f32x4.mul(k, a3), 48);
  }
  for (; c < bytes; c += 16) {
    let acc = f32x4.splat(0);
    let row = matrix + c;
    for (let a: usize = 0; a < bytes; a += 4) {
      acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(v + a)), v128.load(row)));
      row += bytes;
    }
    v128.store(out + c, f32x4.mul(k, acc));
  }
}

/**
 * out += sum over entries e in [from, to) of coef_e * y_e, where coef_e = base + extra_e * (base + sign * (y_e . v))
 * and extra_e = alpha * value_e = c_e - 1. With base 1, sign -1 that is the right-hand side term of the CG
 * residual, c_e - (c_e - 1) y_e.x; with base 0, sign 1 the sparse part of A p, (c_e - 1) (y_e.p). Entries go
 * four at a time: four independent dot products, then one pass over `out` instead of four.
 */
function sparseTerm(
  out: usize,
  v: usize,
  indices: usize,
  values: usize,
  from: i32,
  to: i32,
  y: usize,
  stride: i32,
  alpha: f32,
  base: f32,
  sign: f32,
): void {
  const bytes = <usize>stride << 2;
  const needDots = alpha != 0;
  let e = from;
  for (; e + 4 <= to; e += 4) {
    const ie = indices + (<usize>e << 2);
    const ve = values + (<usize>e << 2);
    const y0 = y + <usize>load<i32>(ie) * bytes;
    const y1 = y + <usize>load<i32>(ie, 4) * bytes;
    const y2 = y + <usize>load<i32>(ie, 8) * bytes;
    const y3 = y + <usize>load<i32>(ie, 12) * bytes;
    let c0 = base, c1 = base, c2 = base, c3 = base;
    if (needDots) {
      let d0 = f32x4.splat(0), d1 = f32x4.splat(0), d2 = f32x4.splat(0), d3 = f32x4.splat(0);
      for (let o: usize = 0; o < bytes; o += 16) {
        const vo = v128.load(v + o);
        d0 = f32x4.add(d0, f32x4.mul(vo, v128.load(y0 + o)));
        d1 = f32x4.add(d1, f32x4.mul(vo, v128.load(y1 + o)));
        d2 = f32x4.add(d2, f32x4.mul(vo, v128.load(y2 + o)));
        d3 = f32x4.add(d3, f32x4.mul(vo, v128.load(y3 + o)));
      }
      c0 = base + alpha * load<f32>(ve) * (base + sign * hsum(d0));
      c1 = base + alpha * load<f32>(ve, 4) * (base + sign * hsum(d1));
      c2 = base + alpha * load<f32>(ve, 8) * (base + sign * hsum(d2));
      c3 = base + alpha * load<f32>(ve, 12) * (base + sign * hsum(d3));
    }
    axpy4(f32x4.splat(c0), f32x4.splat(c1), f32x4.splat(c2), f32x4.splat(c3), y0, y1, y2, y3, out, 0, bytes);
  }
  for (; e < to; e++) {
    const ye = y + <usize>load<i32>(indices + (<usize>e << 2)) * bytes;
    const t = needDots ? dot(ye, v, stride) : 0;
    axpyRow(base + alpha * load<f32>(values + (<usize>e << 2)) * (base + sign * t), ye, out, stride);
  }
}

/**
 * Partial Gram matrices of the chunks of rows below `end` this thread claims from `next`: the chunk starting at
 * row `from` writes the upper triangle of the sum of its y_r y_r^T to part floor(from / chunk), stride x stride
 * floats from `parts`. A chunk's sum is the same whichever thread claims it, so sumGrams over the parts in order
 * gives the same matrix for any number of threads.
 */
export function gram(y: usize, next: usize, chunk: i32, end: i32, stride: i32, parts: usize): void {
  const size = (<usize>stride * stride) << 2;
  for (let from = atomic.add<i32>(next, chunk); from < end; from = atomic.add<i32>(next, chunk)) {
    const part = parts + <usize>(from / chunk) * size;
    memory.fill(part, 0, size);
    addOuterProducts(y, from, min(from + chunk, end), stride, part);
  }
}

/**
 * out (stride x stride, symmetric) = the sum of the first `count` parts gram wrote, added in part order; the upper
 * triangle is summed, then mirrored into the lower one.
 */
export function sumGrams(parts: usize, count: i32, stride: i32, out: usize): void {
  const bytes = <usize>stride << 2;
  const size = bytes * stride;
  memory.fill(out, 0, size);
  for (let c = 0; c < count; c++) {
    const part = parts + <usize>c * size;
    for (let o: usize = 0; o < size; o += 16) v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(part + o)));
  }
  for (let a = 1; a < stride; a++) {
    for (let b = 0; b < a; b++) {
      store<f32>(out + <usize>a * bytes + (<usize>b << 2), load<f32>(out + <usize>b * bytes + (<usize>a << 2)));
    }
  }
}

/** Upper triangle of out += sum over rows [start, end) of y_r y_r^T. */
function addOuterProducts(y: usize, start: i32, end: i32, stride: i32, out: usize): void {
  const bytes = <usize>stride << 2;
  let r = start;
  for (; r + 4 <= end; r += 4) {
    const y0 = y + <usize>r * bytes;
    const y1 = y0 + bytes;
    const y2 = y1 + bytes;
    const y3 = y2 + bytes;
    for (let a = 0; a < stride; a++) {
      const ao = <usize>a << 2;
      const s0 = f32x4.splat(load<f32>(y0 + ao));
      const s1 = f32x4.splat(load<f32>(y1 + ao));
      const s2 = f32x4.splat(load<f32>(y2 + ao));
      const s3 = f32x4.splat(load<f32>(y3 + ao));
      axpy4(s0, s1, s2, s3, y0, y1, y2, y3, out + <usize>a * bytes, <usize>(a & ~3) << 2, bytes);
    }
  }
  for (; r < end; r++) {
    const y0 = y + <usize>r * bytes;
    for (let a = 0; a < stride; a++) {
      const s0 = f32x4.splat(load<f32>(y0 + (<usize>a << 2)));
      const row = out + <usize>a * bytes;
      for (let o: usize = <usize>(a & ~3) << 2; o < bytes; o += 16) {
        v128.store(row + o, f32x4.add(v128.load(row + o), f32x4.mul(s0, v128.load(y0 + o))));
      }
    }
  }
}

/**
 * Conjugate-gradient ALS update of the rows of X below `end` (claimed in chunks from `next`), as in the
 * `implicit` library: each row starts from its current value and takes `steps` CG steps on
 * (YtY + sum_i (c_i - 1) y_i y_i^T) x = sum_i c_i y_i, where c_i = 1 + alpha * value_i over the row's entries
 * of the CSR (indptr, indices, values). `yty` must already hold Y^T Y + reg * I. `scratch` is 3 * stride
 * floats owned by the calling thread.
 */
export function cgRows(
  indptr: usize,
  indices: usize,
  values: usize,
  x: usize,
  y: usize,
  yty: usize,
  stride: i32,
  alpha: f32,
  steps: i32,
  next: usize,
  chunk: i32,
  end: i32,
  scratch: usize,
): void {
  for (let from = atomic.add<i32>(next, chunk); from < end; from = atomic.add<i32>(next, chunk)) {
    cgRange(indptr, indices, values, x, y, yty, stride, alpha, steps, from, min(from + chunk, end), scratch);
  }
}

/** cgRows on the rows [start, end). */
function cgRange(
  indptr: usize,
  indices: usize,
  values: usize,
  x: usize,
  y: usize,
  yty: usize,
  stride: i32,
  alpha: f32,
  steps: i32,
  start: i32,
  end: i32,
  scratch: usize,
): void {
  const bytes = <usize>stride << 2;
  const r = scratch;
  const p = r + bytes;
  const ap = p + bytes;
  for (let u = start; u < end; u++) {
    const xu = x + <usize>u * bytes;
    const from = load<i32>(indptr + (<usize>u << 2));
    const to = load<i32>(indptr + (<usize>(u + 1) << 2));

    // r = b - A x
    symv(yty, xu, r, stride, -1);
    sparseTerm(r, xu, indices, values, from, to, y, stride, alpha, 1, -1);
    memory.copy(p, r, bytes);
    let rsold = dot(r, r, stride);
    if (rsold < 1e-20) continue;

    for (let it = 0; it < steps; it++) {
      symv(yty, p, ap, stride, 1);
      if (alpha != 0) sparseTerm(ap, p, indices, values, from, to, y, stride, alpha, 0, 1);
      const step = rsold / dot(p, ap, stride);
      axpyRow(step, p, xu, stride);
      axpyRow(-step, ap, r, stride);
      const rsnew = dot(r, r, stride);
      if (rsnew < 1e-20) break;
      // p = r + (rsnew / rsold) p
      const beta = f32x4.splat(rsnew / rsold);
      for (let o: usize = 0; o < bytes; o += 16) v128.store(p + o, f32x4.add(v128.load(r + o), f32x4.mul(beta, v128.load(p + o))));
      rsold = rsnew;
    }
  }
}

/**
 * out[j * cols + i] = u_j . v_i for `users` rows of U (stride floats each) against every item of VT, the item
 * factors transposed (stride rows of `cols` floats, cols a multiple of 8). Blocks of 4 users x 8 items keep
 * 8 accumulators in registers and broadcast one user factor at a time, so no horizontal sums are needed.
 */
export function scoreBlock(u: usize, users: i32, vt: usize, cols: i32, stride: i32, out: usize): void {
  const ubytes = <usize>stride << 2;
  const colBytes = <usize>cols << 2;
  let j = 0;
  for (; j + 4 <= users; j += 4) {
    const u0 = u + <usize>j * ubytes;
    const u1 = u0 + ubytes;
    const u2 = u1 + ubytes;
    const u3 = u2 + ubytes;
    const o0 = out + <usize>j * colBytes;
    for (let c: usize = 0; c < colBytes; c += 32) {
      let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
      let a1 = f32x4.splat(0), b1 = f32x4.splat(0);
      let a2 = f32x4.splat(0), b2 = f32x4.splat(0);
      let a3 = f32x4.splat(0), b3 = f32x4.splat(0);
      let col = vt + c;
      for (let d: usize = 0; d < ubytes; d += 4) {
        const va = v128.load(col);
        const vb = v128.load(col, 16);
        col += colBytes;
        let s = f32x4.splat(load<f32>(u0 + d));
        a0 = f32x4.add(a0, f32x4.mul(s, va));
        b0 = f32x4.add(b0, f32x4.mul(s, vb));
        s = f32x4.splat(load<f32>(u1 + d));
        a1 = f32x4.add(a1, f32x4.mul(s, va));
        b1 = f32x4.add(b1, f32x4.mul(s, vb));
        s = f32x4.splat(load<f32>(u2 + d));
        a2 = f32x4.add(a2, f32x4.mul(s, va));
        b2 = f32x4.add(b2, f32x4.mul(s, vb));
        s = f32x4.splat(load<f32>(u3 + d));
        a3 = f32x4.add(a3, f32x4.mul(s, va));
        b3 = f32x4.add(b3, f32x4.mul(s, vb));
      }
      v128.store(o0 + c, a0);
      v128.store(o0 + c, b0, 16);
      v128.store(o0 + colBytes + c, a1);
      v128.store(o0 + colBytes + c, b1, 16);
      v128.store(o0 + 2 * colBytes + c, a2);
      v128.store(o0 + 2 * colBytes + c, b2, 16);
      v128.store(o0 + 3 * colBytes + c, a3);
      v128.store(o0 + 3 * colBytes + c, b3, 16);
    }
  }
  for (; j < users; j++) {
    const u0 = u + <usize>j * ubytes;
    const o0 = out + <usize>j * colBytes;
    for (let c: usize = 0; c < colBytes; c += 32) {
      let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
      let col = vt + c;
      for (let d: usize = 0; d < ubytes; d += 4) {
        const s = f32x4.splat(load<f32>(u0 + d));
        a0 = f32x4.add(a0, f32x4.mul(s, v128.load(col)));
        b0 = f32x4.add(b0, f32x4.mul(s, v128.load(col, 16)));
        col += colBytes;
      }
      v128.store(o0 + c, a0);
      v128.store(o0 + c, b0, 16);
    }
  }
}
