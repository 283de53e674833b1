// Causal attention kernels in AssemblyScript, compiled to WebAssembly SIMD by scripts/build-wasm.js.
//
// Every argument is a byte offset into the linear memory the host lays out (attention-kernels-wasm.ts copies the
// operands in and the results out); nothing is allocated here. Sequences are packed back to back: sequence s
// holds rows offsets[s] .. offsets[s + 1] - 1. A row of `qkv` is [q | k | v], 3 x width floats; head h reads
// columns h * dh .. (h + 1) * dh - 1 of each part. `weights` holds the softmax weights, per sequence and head
// the lower triangle row by row, starting at weightStart[s] + h * n (n + 1) / 2. Rows need not be aligned:
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

/** y += alpha * x over n floats. */
// @ts-ignore: decorator
@inline function axpy(alpha: f32, x: usize, y: usize, n: i32): void {
  const s = f32x4.splat(alpha);
  const bytes = <usize>n << 2;
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(s, v128.load(x + o))));
  for (; o < bytes; o += 4) store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
}

/**
 * out (rows x width, zeroed by the host) = for each position i, sum over j <= i of its sequence of
 * softmax_j(q_i . k_j * scale) v_j, per head; the weights are kept.
 */
export function forward(qkv: usize, offsets: usize, segments: i32, weightStart: usize, width: i32, heads: i32, scale: f32, out: usize, weights: usize): void {
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
        const o = out + <usize>(first + i) * rowOut + qo;
        for (let j = 0; j <= i; j++) {
          const pj = load<f32>(row + (<usize>j << 2)) * inv;
          store<f32>(row + (<usize>j << 2), pj);
          axpy(pj, base + <usize>j * rowQkv + vo, o, dh);
        }
      }
    }
  }
}

/**
 * grad (rows x 3 width, zeroed by the host) = d(loss)/d(qkv) from gradOut (rows x width) and the forward's
 * weights: dP_ij = dO_i . v_j, dS_ij = P_ij (dP_ij - sum_j P_ij dP_ij), dq_i = scale sum_j dS_ij k_j,
 * dk_j += scale dS_ij q_i, dv_j += P_ij dO_i. `dp` is scratch for one row of dP (maxlen floats).
 */
export function backward(qkv: usize, offsets: usize, segments: i32, weightStart: usize, width: i32, heads: i32, scale: f32, weights: usize, gradOut: usize, grad: usize, dp: usize): void {
  const dh = width / heads;
  const rowQkv = <usize>(3 * width) << 2;
  const rowOut = <usize>width << 2;
  for (let s = 0; s < segments; s++) {
    const first = load<i32>(offsets + (<usize>s << 2));
    const n = load<i32>(offsets + (<usize>(s + 1) << 2)) - first;
    const tri = (n * (n + 1)) >> 1;
    const base = qkv + <usize>first * rowQkv;
    const gbase = grad + <usize>first * rowQkv;
    for (let h = 0; h < heads; h++) {
      const p = weights + (<usize>(load<i32>(weightStart + (<usize>s << 2)) + h * tri) << 2);
      const qo = <usize>(h * dh) << 2;
      const ko = <usize>(width + h * dh) << 2;
      const vo = <usize>(2 * width + h * dh) << 2;
      for (let i = 0; i < n; i++) {
        const row = p + (<usize>((i * (i + 1)) >> 1) << 2);
        const gi = gradOut + <usize>(first + i) * rowOut + qo;
        let weighted: f32 = 0;
        for (let j = 0; j <= i; j++) {
          const d = dot(gi, base + <usize>j * rowQkv + vo, dh);
          store<f32>(dp + (<usize>j << 2), d);
          weighted += load<f32>(row + (<usize>j << 2)) * d;
        }
        const qi = base + <usize>i * rowQkv + qo;
        const dqi = gbase + <usize>i * rowQkv + qo;
        for (let j = 0; j <= i; j++) {
          const pj = load<f32>(row + (<usize>j << 2));
          const ds = pj * (load<f32>(dp + (<usize>j << 2)) - weighted) * scale;
          const rj = <usize>j * rowQkv;
          axpy(ds, base + rj + ko, dqi, dh);
          axpy(ds, qi, gbase + rj + ko, dh);
          axpy(pj, gi, gbase + rj + vo, dh);
        }
      }
    }
  }
}
