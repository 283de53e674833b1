/**
 * The sparse kernels of the neural engine's training (embedding-bag gathers and their scatter-add gradients,
 * Adam over whole parameters or over the rows a step touched), behind one interface with two implementations:
 * the plain TypeScript references below, which tests compare the WebAssembly SIMD kernels against and which
 * run where WebAssembly cannot be compiled (workerd), and the kernels of assembly/training.ts
 * (training-kernels-wasm.ts), which also run the dense products and split every kernel across the registered
 * worker threads.
 */
import type { DenseKernels } from "./dense-kernels.ts";

/**
 * Bags of weighted table rows, CSR-shaped: bag r holds ids[offsets[r] .. offsets[r+1]) with their weights.
 * Without offsets bag r is the single row ids[r]; without weights every weight is 1 (plain lookups).
 */
export interface SparseBags {
  offsets?: Int32Array;
  ids: Int32Array;
  weights?: Float32Array;
}

/** One Adam step's constants: bias corrections folded into stepSize and epsHat, decay = 1 - lr * weightDecay. */
export interface AdamConstants {
  beta1: number;
  beta2: number;
  stepSize: number;
  epsHat: number;
  decay: number;
}

export interface SparseKernels {
  /** Which implementation runs, for reports. */
  readonly label: string;
  /**
   * `length` zeros where these kernels work in place (the WebAssembly memory), else an ordinary array: embedding
   * tables, their gradients and Adam's moments, which are too large to copy in per call. Lives as long as the kernels.
   */
  allocate(length: number): Float32Array;
  /** A copy of `values` where these kernels work in place (`values` itself where there is no such memory): data read on every call, such as a model's bags. */
  keep<T extends Float32Array | Int32Array>(values: T): T;
  /** out row r (of `rows`) = sum over the bag select[r] (or r) of weight * table row, in bag order; zeros for an empty bag. */
  bagSum(table: Float32Array, width: number, bags: SparseBags, out: Float32Array, rows: number, select?: Int32Array): void;
  /** The gradient of bagSum: grad row id += weight * gradOut row r for every entry of every bag, each table row in bag order. */
  bagScatter(grad: Float32Array, width: number, bags: SparseBags, gradOut: Float32Array, rows: number, select?: Int32Array): void;
  /**
   * One Adam step on the rows rows[0 .. count) (every row when `rows` is undefined) of a parameter of row
   * width `width`, zeroing their gradient.
   */
  adam(value: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, width: number, rows: Int32Array | undefined, count: number, c: AdamConstants): void;
}

/** Both kinds: what a model's training runs on. */
export type TrainingKernels = DenseKernels & SparseKernels;

const first = (b: SparseBags, bag: number) => (b.offsets ? b.offsets[bag] : bag);
const last = (b: SparseBags, bag: number) => (b.offsets ? b.offsets[bag + 1] : bag + 1);

export function bagSumReference(table: Float32Array, width: number, bags: SparseBags, out: Float32Array, rows: number, select?: Int32Array): void {
  const { ids, weights } = bags;
  out.fill(0, 0, rows * width);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    const bag = select ? select[r] : r;
    for (let e = first(bags, bag); e < last(bags, bag); e++) {
      const s = weights ? weights[e] : 1;
      const t = ids[e] * width;
      for (let j = 0; j < width; j++) out[o + j] += s * table[t + j];
    }
  }
}

export function bagScatterReference(grad: Float32Array, width: number, bags: SparseBags, gradOut: Float32Array, rows: number, select?: Int32Array): void {
  const { ids, weights } = bags;
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    const bag = select ? select[r] : r;
    for (let e = first(bags, bag); e < last(bags, bag); e++) {
      const s = weights ? weights[e] : 1;
      const t = ids[e] * width;
      for (let j = 0; j < width; j++) grad[t + j] += s * gradOut[o + j];
    }
  }
}

export function adamReference(value: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, width: number, rows: Int32Array | undefined, count: number, c: AdamConstants): void {
  const { beta1: b1, beta2: b2, stepSize, epsHat, decay } = c;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const update = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const g = grad[i];
      const mi = b1 * m[i] + c1 * g;
      const vi = b2 * v[i] + c2 * g * g;
      m[i] = mi;
      v[i] = vi;
      value[i] = value[i] * decay - (stepSize * mi) / (Math.sqrt(vi) + epsHat);
      grad[i] = 0;
    }
  };
  if (!rows) update(0, value.length);
  else for (let k = 0; k < count; k++) update(rows[k] * width, (rows[k] + 1) * width);
}

/** The TypeScript references: ordinary arrays, one thread. */
export const sparseKernelsReference: SparseKernels = {
  label: "typescript",
  allocate: (length) => new Float32Array(length),
  keep: (values) => values,
  bagSum: bagSumReference,
  bagScatter: bagScatterReference,
  adam: adamReference,
};
