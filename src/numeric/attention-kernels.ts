/**
 * Causal attention over packed sequences (the products and the softmax of CausalAttention), behind one interface
 * with two implementations: the plain TypeScript references below, which tests compare the WebAssembly SIMD
 * kernels of assembly/attention.ts against and which run where WebAssembly cannot be compiled (workerd), and
 * those kernels (attention-kernels-wasm.ts).
 *
 * Layout: sequence s holds rows offsets[s] .. offsets[s + 1] - 1; a row of `qkv` is [q | k | v] (3 x width);
 * head h reads columns h * dh .. (h + 1) * dh - 1 of each part (dh = width / heads). `weights` holds the softmax
 * weights, per sequence and head the lower triangle row by row, from weightStart[s] + h * n (n + 1) / 2.
 * An optional `dropMask` (laid out as `weights`: 0 or 1 / (1 - rate) per entry) is dropout on the attention
 * weights (torch.nn.MultiheadAttention's): the values are summed with P' = P x mask, while `weights` keeps the
 * undropped P.
 */
export interface AttentionKernels {
  /** "wasm-simd" or "typescript (why)". */
  readonly label: string;
  /** Writes out (rows x width) and weights; out is overwritten. */
  forward(a: AttentionShape, qkv: Float32Array, out: Float32Array, weights: Float32Array, dropMask?: Float32Array): void;
  /** Writes grad (rows x 3 width), the gradient of qkv, from gradOut (rows x width), the forward's weights and its mask. */
  backward(a: AttentionShape, qkv: Float32Array, weights: Float32Array, gradOut: Float32Array, grad: Float32Array, dropMask?: Float32Array): void;
}

export interface AttentionShape {
  offsets: Int32Array;
  weightStart: Int32Array;
  width: number;
  heads: number;
  /** Longest sequence (scratch size). */
  maxLength: number;
}

export function attentionForwardReference(a: AttentionShape, qkv: Float32Array, out: Float32Array, weights: Float32Array, dropMask?: Float32Array): void {
  const { offsets, weightStart, width: w, heads } = a;
  const dh = w / heads;
  const scale = 1 / Math.sqrt(dh);
  const stride = 3 * w;
  out.fill(0, 0, (offsets[offsets.length - 1]) * w);
  for (let s = 0; s < offsets.length - 1; s++) {
    const first = offsets[s];
    const n = offsets[s + 1] - first;
    for (let h = 0; h < heads; h++) {
      const p = weightStart[s] + (h * n * (n + 1)) / 2;
      const qo = h * dh;
      const ko = w + h * dh;
      const vo = 2 * w + h * dh;
      for (let i = 0; i < n; i++) {
        const row = p + (i * (i + 1)) / 2;
        const qi = (first + i) * stride + qo;
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          const kj = (first + j) * stride + ko;
          let d = 0;
          for (let c = 0; c < dh; c++) d += qkv[qi + c] * qkv[kj + c];
          const score = d * scale;
          weights[row + j] = score;
          if (score > max) max = score;
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          const e = Math.exp(weights[row + j] - max);
          weights[row + j] = e;
          sum += e;
        }
        const o = (first + i) * w + qo;
        for (let j = 0; j <= i; j++) {
          weights[row + j] = weights[row + j] / sum;
          // The f32 P (and P x mask) the WebAssembly kernel sums with.
          const pj = dropMask ? Math.fround(weights[row + j] * dropMask[row + j]) : weights[row + j];
          const vj = (first + j) * stride + vo;
          for (let c = 0; c < dh; c++) out[o + c] += pj * qkv[vj + c];
        }
      }
    }
  }
}

/**
 * dP_ij = dO_i . v_j (times mask_ij with a dropout mask), dS_ij = P_ij (dP_ij - sum_j P_ij dP_ij); dq_i = scale
 * sum_j dS_ij k_j, dk_j += scale dS_ij q_i, dv_j += P'_ij dO_i with P' = P (x mask).
 */
export function attentionBackwardReference(a: AttentionShape, qkv: Float32Array, weights: Float32Array, gradOut: Float32Array, grad: Float32Array, dropMask?: Float32Array): void {
  const { offsets, weightStart, width: w, heads } = a;
  const dh = w / heads;
  const scale = 1 / Math.sqrt(dh);
  const stride = 3 * w;
  const dp = new Float64Array(a.maxLength);
  grad.fill(0, 0, offsets[offsets.length - 1] * stride);
  for (let s = 0; s < offsets.length - 1; s++) {
    const first = offsets[s];
    const n = offsets[s + 1] - first;
    for (let h = 0; h < heads; h++) {
      const p = weightStart[s] + (h * n * (n + 1)) / 2;
      const qo = h * dh;
      const ko = w + h * dh;
      const vo = 2 * w + h * dh;
      for (let i = 0; i < n; i++) {
        const row = p + (i * (i + 1)) / 2;
        const gi = (first + i) * w + qo;
        let weighted = 0;
        for (let j = 0; j <= i; j++) {
          const vj = (first + j) * stride + vo;
          let d = 0;
          for (let c = 0; c < dh; c++) d += gradOut[gi + c] * qkv[vj + c];
          if (dropMask) d *= dropMask[row + j];
          dp[j] = d;
          weighted += weights[row + j] * d;
        }
        const qi = (first + i) * stride + qo;
        for (let j = 0; j <= i; j++) {
          const pj = weights[row + j];
          const ds = pj * (dp[j] - weighted) * scale;
          const kept = dropMask ? Math.fround(pj * dropMask[row + j]) : pj;
          const kj = (first + j) * stride + ko;
          const vj = (first + j) * stride + vo;
          for (let c = 0; c < dh; c++) {
            grad[qi + c] += ds * qkv[kj + c];
            grad[kj + c] += ds * qkv[qi + c];
            grad[vj + c] += kept * gradOut[gi + c];
          }
        }
      }
    }
  }
}

/** The TypeScript references as AttentionKernels; `why` says why they run instead of WebAssembly. */
export function typeScriptAttentionKernels(why: string): AttentionKernels {
  return { label: `typescript (${why})`, forward: attentionForwardReference, backward: attentionBackwardReference };
}
