import { mulberry32Bits } from "./random.ts";

/**
 * The matrix products of the neural engine's layers (x.W forward, dY.W^T and X^T.dY backward, U.V^T for
 * in-batch logits), behind one interface with two implementations: the plain TypeScript references below,
 * which tests compare the WebAssembly SIMD kernels against and which run where WebAssembly cannot be compiled
 * (workerd), and the kernels of assembly/dense.ts (dense-kernels-wasm.ts). Matrices are row-major, densely
 * packed Float32Arrays.
 */
export interface DenseKernels {
  /** Which implementation runs, for reports: "wasm-simd" or "typescript (why)". */
  readonly label: string;
  /** out (m x n) = A (m x k) . B (k x n); with `accumulate`, out += A . B. */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate?: boolean): void;
  /** out (m x n) = A (m x k) . B^T for B (n x k); with `accumulate`, out += A . B^T. */
  matmulTransB(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate?: boolean): void;
  /** out (k x n) = A^T . B for A (m x k), B (m x n); with `accumulate`, out += A^T . B. */
  matmulTransA(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate?: boolean): void;
  /**
   * In-batch softmax over B rows of width d: row i of `queries` should pick row i of `keys` among all rows,
   * logits z_ij = q_i . k_j * invTemperature - logQ[j], columns whose `items` equal row i's (other than i)
   * masked out. Writes the gradients of the mean cross-entropy into gradQueries and gradKeys (B x d) and
   * returns that mean. The B x B logits never leave the kernel.
   */
  inBatchSoftmax(queries: Float32Array, keys: Float32Array, rows: number, width: number, o: SoftmaxOptions, gradQueries: Float32Array, gradKeys: Float32Array): number;
}

export interface SoftmaxOptions {
  invTemperature: number;
  logQ?: Float32Array;
  items?: Int32Array;
}

/** out = A . B, row by row as sums of B's rows (the inner loop runs along contiguous memory). */
export function matmulReference(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
  if (!accumulate) out.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let p = 0; p < k; p++) {
      const s = a[i * k + p];
      if (s === 0) continue;
      const bo = p * n;
      for (let j = 0; j < n; j++) out[o + j] += s * b[bo + j];
    }
  }
}

/** out = A . B^T: each entry one dot product of a row of A with a row of B. */
export function matmulTransBReference(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
      out[i * n + j] = accumulate ? out[i * n + j] + s : s;
    }
  }
}

/** out = A^T . B: every row i adds the outer product of A's row i and B's row i. */
export function matmulTransAReference(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
  if (!accumulate) out.fill(0, 0, k * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const s = a[i * k + p];
      if (s === 0) continue;
      const o = p * n;
      const bo = i * n;
      for (let j = 0; j < n; j++) out[o + j] += s * b[bo + j];
    }
  }
}

/** The in-batch softmax of DenseKernels.inBatchSoftmax in plain TypeScript, on the reference products. */
export function inBatchSoftmaxReference(q: Float32Array, k: Float32Array, b: number, d: number, o: SoftmaxOptions, gradQ: Float32Array, gradK: Float32Array): number {
  const logits = new Float32Array(b * b);
  matmulTransBReference(q, k, logits, b, d, b);
  const inv = o.invTemperature;
  let loss = 0;
  // In place: logits -> d(loss)/d(dot products) = (softmax - onehot) * inv / b.
  for (let i = 0; i < b; i++) {
    const row = i * b;
    let max = -Infinity;
    for (let j = 0; j < b; j++) {
      let z = logits[row + j] * inv - (o.logQ ? o.logQ[j] : 0);
      if (o.items && j !== i && o.items[j] === o.items[i]) z = -Infinity;
      logits[row + j] = z;
      if (z > max) max = z;
    }
    const diagonal = logits[row + i] - max;
    let sum = 0;
    for (let j = 0; j < b; j++) {
      const e = Math.exp(logits[row + j] - max);
      logits[row + j] = e;
      sum += e;
    }
    loss += Math.log(sum) - diagonal;
    const scale = inv / (b * sum);
    for (let j = 0; j < b; j++) logits[row + j] *= scale;
    logits[row + i] -= inv / b;
  }
  matmulReference(logits, k, gradQ, b, b, d);
  matmulTransAReference(logits, q, gradK, b, b, d);
  return loss / b;
}

/** The TypeScript references as a DenseKernels; `why` says why they run instead of WebAssembly. */
export function typeScriptDenseKernels(why: string): DenseKernels {
  return {
    label: `typescript (${why})`,
    matmul: matmulReference,
    matmulTransB: matmulTransBReference,
    matmulTransA: matmulTransAReference,
    inBatchSoftmax: inBatchSoftmaxReference,
  };
}

/**
 * The neural layers' kernels other than the products: layer norm over the rows of a rows x width matrix, forward
 * and backward, inverted dropout with mulberry32 masks, ReLU, and a bias's gradient. The TypeScript references
 * below and the kernels of assembly/dense.ts, which compute the same floats bit for bit (so a model trains alike
 * with and without WebAssembly). An interface of its own, so that kernel sets which implement DenseKernels need
 * not implement these.
 */
export interface LayerKernels {
  readonly label: string;
  /** y = gamma * xhat + beta with xhat = (x - mean) / sqrt(var + eps) per row; writes y, xhat and each row's inverse std. */
  layerNormForward(x: Float32Array, rows: number, width: number, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array, xhat: Float32Array, inverseStd: Float32Array): void;
  /** Writes dx from dy and the forward's xhat and inverse std; adds into gammaGrad and betaGrad. */
  layerNormBackward(dy: Float32Array, xhat: Float32Array, inverseStd: Float32Array, rows: number, width: number, gamma: Float32Array, dx: Float32Array, gammaGrad: Float32Array, betaGrad: Float32Array): void;
  /**
   * Dropout over the first n entries of x: entry i is dropped when draw i of mulberry32 after `state`
   * (mulberry32Bits) is below rate x 2^32, which is where draw / 2^32 < rate; mask[i] = 0 if dropped, else
   * 1 / (1 - rate); y = x * mask.
   */
  dropoutForward(x: Float32Array, n: number, state: number, rate: number, y: Float32Array, mask: Float32Array): void;
  /** dx = dy * mask over the first n entries. */
  dropoutBackward(dy: Float32Array, mask: Float32Array, n: number, dx: Float32Array): void;
  /** y = x > 0 ? x : 0 over the first n entries. */
  relu(x: Float32Array, n: number, y: Float32Array): void;
  /** dx = y > 0 ? dy : 0 over the first n entries, y being the forward's output. */
  reluBackward(y: Float32Array, dy: Float32Array, n: number, dx: Float32Array): void;
  /** out (cols) += the column sums of a (rows x cols), added row by row. */
  addColumnSums(a: Float32Array, rows: number, cols: number, out: Float32Array): void;
}

/** The largest 32-bit draw that dropout at `rate` (in (0, 1)) drops: draw < rate x 2^32 exactly when draw <= this. */
export function lastDropped(rate: number): number {
  return Math.ceil(rate * 4294967296) - 1;
}

export function layerNormForwardReference(x: Float32Array, rows: number, d: number, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array, xhat: Float32Array, inverseStd: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[o + j];
    mean /= d;
    let variance = 0;
    for (let j = 0; j < d; j++) variance += (x[o + j] - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / d + eps);
    inverseStd[r] = inv;
    for (let j = 0; j < d; j++) {
      const h = (x[o + j] - mean) * inv;
      xhat[o + j] = h;
      y[o + j] = gamma[j] * h + beta[j];
    }
  }
}

/** dx = inv/d * (d * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat)), with dxhat = dy * gamma. */
export function layerNormBackwardReference(dy: Float32Array, xhat: Float32Array, inverseStd: Float32Array, rows: number, d: number, gamma: Float32Array, dx: Float32Array, gammaGrad: Float32Array, betaGrad: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let sum = 0;
    let dot = 0;
    for (let j = 0; j < d; j++) {
      const dh = dy[o + j] * gamma[j];
      sum += dh;
      dot += dh * xhat[o + j];
      gammaGrad[j] += dy[o + j] * xhat[o + j];
      betaGrad[j] += dy[o + j];
    }
    const inv = inverseStd[r];
    for (let j = 0; j < d; j++) dx[o + j] = (inv / d) * (d * dy[o + j] * gamma[j] - sum - xhat[o + j] * dot);
  }
}

export function dropoutForwardReference(x: Float32Array, n: number, state: number, rate: number, y: Float32Array, mask: Float32Array): void {
  // The draws land in the mask's own bytes, each read before its slot is overwritten; no branch, as a random
  // fifth of mispredicted branches costs more than the multiply.
  const bits = new Uint32Array(mask.buffer, mask.byteOffset, n);
  mulberry32Bits(state, bits);
  // The kept scale as the f32 the mask holds, so y = x * mask[i] exactly (the SIMD kernel multiplies in f32).
  const keep = Math.fround(1 / (1 - rate));
  const last = lastDropped(rate);
  for (let i = 0; i < n; i++) {
    const m = keep * +(bits[i] > last);
    mask[i] = m;
    y[i] = x[i] * m;
  }
}

export function dropoutBackwardReference(dy: Float32Array, mask: Float32Array, n: number, dx: Float32Array): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i] * mask[i];
}

export function reluReference(x: Float32Array, n: number, y: Float32Array): void {
  for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

export function reluBackwardReference(y: Float32Array, dy: Float32Array, n: number, dx: Float32Array): void {
  for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}

export function addColumnSumsReference(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[j] += a[r * cols + j];
}

/** The TypeScript references as LayerKernels; `why` says why they run instead of WebAssembly. */
export function typeScriptLayerKernels(why: string): LayerKernels {
  return {
    label: `typescript (${why})`,
    layerNormForward: layerNormForwardReference,
    layerNormBackward: layerNormBackwardReference,
    dropoutForward: dropoutForwardReference,
    dropoutBackward: dropoutBackwardReference,
    relu: reluReference,
    reluBackward: reluBackwardReference,
    addColumnSums: addColumnSumsReference,
  };
}
