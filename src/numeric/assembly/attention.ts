// Causal attention kernels in AssemblyScript, compiled to WebAssembly SIMD by scripts/build-wasm.js.
//
// Every argument is a byte offset into the linear memory the host lays out (attention-kernels-wasm.ts copies the
// operands in and the results out); nothing is allocated here. Sequences are packed back to back: sequence s
// holds rows offsets[s] .. offsets[s + 1] - 1. A row of `qkv` is [q | k | v], 3 x width floats; head h reads
// columns h * dh .. (h + 1) * dh - 1 of each part. `weights` holds the softmax weights, per sequence and head
// the lower triangle row by row, starting at weightStart[s] + h * n (n + 1) / 2. A nonzero `dropMask` (laid out as
// `weights`, 0 or 1 / (1 - rate) per entry) is dropout on the attention weights: the values are summed with
// P' = P x mask, computed into the scratch `dropped`, while `weights` keeps P. Rows need not be aligned:
// v128 loads in WebAssembly accept any address. The plain TypeScript reference is in ../attention-kernels.ts.

/** First byte the host may use; below it lies whatever static data the compiler placed. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** a . b over n floats: two vector accumulators, then a scalar tail. */
// @ts-ignore: decorator
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  const bytes = <usize>n << 2;
  let o: usize = 0;
  for (; o + 32 <= bytes; o += 32) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  for (; o + 16 <= bytes; o += 16) s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  let s = hsum(f32x4.add(s0, s1));
  for (; o < bytes; o += 4) s += load<f32>(a + o) * load<f32>(b + o);
  return s;
}

/**
 * out (rows x width, every entry written) = for each position i, sum over j <= i of its sequence of softmax_j(q_i . k_j * scale) v_j
 * (times dropMask_ij when dropMask is not 0; `dropped` then holds maxlen floats of scratch), per head; the weights are kept.
 */
export function forward(qkv: usize, offsets: usize, segments: i32, weightStart: usize, width: i32, heads: i32, scale: f32, out: usize, weights: usize, dropMask: usize, dropped: usize): void {
  const dh = width / heads;
  const rowQkv = <usize>(3 * width) << 2;
  const rowOut = <usize>width << 2;
  for (let s = 0; s < segments; s++) {
    const first = load<i32>(offsets + (<usize>s << 2));
    const n = load<i32>(offsets + (<usize>(s + 1) << 2)) - first;
    const tri = (n * (n + 1)) >> 1;
    const base = qkv + <usize>first * rowQkv;
    for (let h = 0; h < heads; h++) {
      const p = weights + (<usize>(load<i32>(weightStart + (<usize>s << 2)) + h * tri) << 2);
      const qo = <usize>(h * dh) << 2;
      const ko = <usize>(width + h * dh) << 2;
      const vo = <usize>(2 * width + h * dh) << 2;
      for (let i = 0; i < n; i++) {
        const row = p + (<usize>((i * (i + 1)) >> 1) << 2);
        const qi = base + <usize>i * rowQkv + qo;
        let max: f32 = -Infinity;
        for (let j = 0; j <= i; j++) {
          const score = dot(qi, base + <usize>j * rowQkv + ko, dh) * scale;
          store<f32>(row + (<usize>j << 2), score);
          if (score > max) max = score;
        }
        let sum: f32 = 0;
        for (let j = 0; j <= i; j++) {
          const e = Mathf.exp(load<f32>(row + (<usize>j << 2)) - max);
          store<f32>(row + (<usize>j << 2), e);
          sum += e;
        }
        const inv: f32 = 1 / sum;
        for (let j = 0; j <= i; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * inv);
        let coefs = row;
        if (dropMask != 0) {
          const m = dropMask + (row - weights);
          for (let j = 0; j <= i; j++) store<f32>(dropped + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * load<f32>(m + (<usize>j << 2)));
          coefs = dropped;
        }
        // out_i = sum over j <= i of P_ij v_j (P'_ij with dropout)
        weightedRows(coefs, 4, 0, base + vo, rowQkv, i + 1, dh, out + <usize>(first + i) * rowOut + qo);
      }
    }
  }
}

/**
 * grad (rows x 3 width, every entry written) = d(loss)/d(qkv) from gradOut (rows x width) and the forward's
 * weights: dP_ij = dO_i . v_j, dS_ij = P_ij (dP_ij - sum_j P_ij dP_ij), dq_i = scale sum_j dS_ij k_j,
 * dk_j = scale sum_i dS_ij q_i, dv_j = sum_i P_ij dO_i. Per sequence and head, a first pass over rows i writes
 * scale dS (the lower triangle) into the scratch `ds` (maxlen (maxlen + 1) / 2 floats) and sums dq_i; a second
 * pass over columns j sums dk_j and dv_j. Each sum runs in registers, sixteen (then four) columns of the head at a
 * time, over the same terms in the same order as one running sum per entry would. With a dropMask (not 0): dP_ij
 * is multiplied by mask_ij and dv_j sums P'_ij dO_i, P' = P x mask written by the first pass into the scratch
 * `dropped` (maxlen (maxlen + 1) / 2 floats).
 */
export function backward(qkv: usize, offsets: usize, segments: i32, weightStart: usize, width: i32, heads: i32, scale: f32, weights: usize, gradOut: usize, grad: usize, ds: usize, dropMask: usize, dropped: usize): void {
  const dh = width / heads;
  const rowQkv = <usize>(3 * width) << 2;
  const rowOut = <usize>width << 2;
  for (let s = 0; s < segments; s++) {
    const first = load<i32>(offsets + (<usize>s << 2));
    const n = load<i32>(offsets + (<usize>(s + 1) << 2)) - first;
    const tri = (n * (n + 1)) >> 1;
    const base = qkv + <usize>first * rowQkv;
    const gbase = grad + <usize>first * rowQkv;
    const obase = gradOut + <usize>first * rowOut;
    for (let h = 0; h < heads; h++) {
      const triangle = <usize>(load<i32>(weightStart + (<usize>s << 2)) + h * tri) << 2;
      const p = weights + triangle;
      const m = dropMask + triangle;
      const qo = <usize>(h * dh) << 2;
      const ko = <usize>(width + h * dh) << 2;
      const vo = <usize>(2 * width + h * dh) << 2;
      for (let i = 0; i < n; i++) {
        const row = <usize>((i * (i + 1)) >> 1) << 2;
        const gi = obase + <usize>i * rowOut + qo;
        let weighted: f32 = 0;
        if (dropMask != 0) {
          for (let j = 0; j <= i; j++) {
            const at = row + (<usize>j << 2);
            const mask = load<f32>(m + at);
            const d = dot(gi, base + <usize>j * rowQkv + vo, dh) * mask;
            store<f32>(ds + at, d);
            store<f32>(dropped + at, load<f32>(p + at) * mask);
            weighted += load<f32>(p + at) * d;
          }
        } else {
          for (let j = 0; j <= i; j++) {
            const d = dot(gi, base + <usize>j * rowQkv + vo, dh);
            store<f32>(ds + row + (<usize>j << 2), d);
            weighted += load<f32>(p + row + (<usize>j << 2)) * d;
          }
        }
        for (let j = 0; j <= i; j++) {
          const at = row + (<usize>j << 2);
          store<f32>(ds + at, load<f32>(p + at) * (load<f32>(ds + at) - weighted) * scale);
        }
        // dq_i = sum over j <= i of dS_ij k_j
        weightedRows(ds + row, 4, 0, base + ko, rowQkv, i + 1, dh, gbase + <usize>i * rowQkv + qo);
      }
      const kept = dropMask != 0 ? dropped : p;
      for (let j = 0; j < n; j++) {
        const column = <usize>j << 2;
        const tj = <usize>((j * (j + 1)) >> 1) << 2;
        // dk_j = sum over i >= j of dS_ij q_i; dv_j = sum over i >= j of P'_ij dO_i. Entry (i, j) of a triangle
        // sits at tri(i) + j; from row i to i + 1 it moves on by i + 1 floats.
        weightedRows(ds + tj + column, <usize>(j + 1) << 2, 4, base + <usize>j * rowQkv + qo, rowQkv, n - j, dh, gbase + <usize>j * rowQkv + ko);
        weightedRows(kept + tj + column, <usize>(j + 1) << 2, 4, obase + <usize>j * rowOut + qo, rowOut, n - j, dh, gbase + <usize>j * rowQkv + vo);
      }
    }
  }
}

/**
 * out (dh floats) = sum over r < count of coef_r x row_r, with row_r at rows + r * rowStep bytes and coef_r
 * `coefStep` bytes after coef_(r-1), the step growing by `coefGrowth` bytes each time (0 along a row; 4 down a
 * column of a row-by-row lower triangle, whose rows grow by one float): one running sum per output float, in
 * registers sixteen (then four, then one) at a time.
 */
// @ts-ignore: decorator
@inline function weightedRows(coefs: usize, coefStep: usize, coefGrowth: usize, rows: usize, rowStep: usize, count: i32, dh: i32, out: usize): void {
  const bytes = <usize>dh << 2;
  let o: usize = 0;
  for (; o + 64 <= bytes; o += 64) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let c = coefs;
    let step = coefStep;
    let r = rows + o;
    for (let k = 0; k < count; k++) {
      const w = f32x4.splat(load<f32>(c));
      a0 = f32x4.add(a0, f32x4.mul(w, v128.load(r)));
      a1 = f32x4.add(a1, f32x4.mul(w, v128.load(r, 16)));
      a2 = f32x4.add(a2, f32x4.mul(w, v128.load(r, 32)));
      a3 = f32x4.add(a3, f32x4.mul(w, v128.load(r, 48)));
      c += step;
      step += coefGrowth;
      r += rowStep;
    }
    v128.store(out + o, a0);
    v128.store(out + o, a1, 16);
    v128.store(out + o, a2, 32);
    v128.store(out + o, a3, 48);
  }
  for (; o + 16 <= bytes; o += 16) {
    let acc = f32x4.splat(0);
    let c = coefs;
    let step = coefStep;
    let r = rows + o;
    for (let k = 0; k < count; k++) {
      acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(c)), v128.load(r)));
      c += step;
      step += coefGrowth;
      r += rowStep;
    }
    v128.store(out + o, acc);
  }
  for (; o < bytes; o += 4) {
    let acc: f32 = 0;
    let c = coefs;
    let step = coefStep;
    let r = rows + o;
    for (let k = 0; k < count; k++) {
      acc += load<f32>(c) * load<f32>(r);
      c += step;
      step += coefGrowth;
      r += rowStep;
    }
    store<f32>(out + o, acc);
  }
}
