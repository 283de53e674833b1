import { type SoftmaxOptions, typeScriptDenseKernels } from "./dense-kernels.ts";
import { type KernelPool, kernelPool } from "./kernel-pool.ts";
import { type AdamConstants, type SparseBags, sparseKernelsReference, type TrainingKernels } from "./training-kernels.ts";
import { WASM_BASE64 } from "./training-kernels.wasm.ts";
import { type CompiledKernels, compileKernels, type WasmMemory, webAssembly } from "./webassembly.ts";

/** The kernels of assembly/training.ts that threads share through the work counter (the names the pool runs). */
export const TRAINING_KERNELS = ["bagSum", "bagScatter", "adamRows", "gemmRows", "transposeRows", "softmaxRows"] as const;
export type TrainingKernelName = (typeof TRAINING_KERNELS)[number];

/** The exports of assembly/training.ts; every pointer is a byte offset into the memory. */
type TrainingWasmExports = { heapBase(): number } & Record<TrainingKernelName, (...args: number[]) => void>;

let compiled: CompiledKernels | Error | undefined;

/** The compiled module, or the Error that says why not (compileKernels). */
export function trainingWasm(): CompiledKernels | Error {
  compiled ??= compileKernels(WASM_BASE64);
  return compiled;
}

/**
 * The training kernels for this runtime: WebAssembly SIMD (split across the registered worker threads, if
 * any) when it compiles, else the TypeScript references. "js" asks for the references.
 */
export function createTrainingKernels(choice: "auto" | "js" = "auto"): TrainingKernels {
  const wasm = choice === "js" ? new Error("requested") : trainingWasm();
  if (wasm instanceof Error) {
    const why = choice === "js" ? "requested" : `WebAssembly unavailable: ${wasm.message}`;
    return { ...typeScriptDenseKernels(why), ...sparseKernelsReference, label: `typescript (${why})` };
  }
  return new WasmTrainingKernels(wasm, kernelPool());
}

const PAGE = 65536;
const MAX_PAGES = 65536;
const align16 = (bytes: number) => (bytes + 15) & ~15;
/** Chunks per thread of a split kernel call: enough that a thread the OS deschedules delays nobody long. */
const CHUNKS_PER_THREAD = 8;

interface GrowableMemory extends WasmMemory {
  grow(pages: number): number;
}

/**
 * The kernels on one growable shared WebAssembly memory. Long-lived arrays (allocate: tables, gradients, Adam
 * moments) live in it and are worked on in place; other operands are copied into a scratch region per call
 * and results copied out. Each call's work is split by rows through the counter, so with a pool every thread
 * takes chunks, and each output element is computed by one chunk whatever the number of threads: results are
 * bit-identical with and without the pool.
 */
class WasmTrainingKernels implements TrainingKernels {
  readonly label: string;
  private readonly memory: GrowableMemory;
  private readonly kernels: TrainingWasmExports;
  private readonly threads: number;
  /** Buffers of this memory (a grown shared memory hands out a new SharedArrayBuffer over the same bytes). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** The latest of them: only this thread grows the memory, so it changes only in reserve(). */
  private current: ArrayBufferLike;
  private top: number;
  private readonly counter: number;
  private scratchStart = 0;
  private scratchEnd = 0;
  private scratchTop = 0;

  constructor(
    private readonly wasm: CompiledKernels,
    private readonly pool: KernelPool | undefined,
  ) {
    this.threads = pool?.threads ?? 1;
    this.label = `wasm-simd, ${this.threads} thread${this.threads > 1 ? "s" : ""}`;
    const Memory = webAssembly().Memory as unknown as new (d: { initial: number; maximum: number; shared: boolean }) => GrowableMemory;
    this.memory = new Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    this.kernels = new (webAssembly().Instance)(wasm.module, { env: { memory: this.memory } }).exports as TrainingWasmExports;
    this.current = this.memory.buffer;
    this.buffers.add(this.current);
    this.top = align16(wasm.heapBase);
    this.counter = this.reserve(16)!;
  }

  /** Byte offset of `bytes` fresh bytes, growing the memory when needed; undefined when it cannot grow. */
  private reserve(bytes: number): number | undefined {
    const at = this.top;
    const end = align16(at + bytes);
    const size = this.current.byteLength;
    if (end > size) {
      const pages = Math.max(Math.ceil((end - size) / PAGE), Math.ceil(size / PAGE / 2));
      try {
        this.memory.grow(Math.min(pages, MAX_PAGES - size / PAGE));
      } catch {
        return undefined;
      }
      this.current = this.memory.buffer;
      this.buffers.add(this.current);
      if (end > this.current.byteLength) return undefined;
    }
    this.top = end;
    return at;
  }

  private f32(at: number, length: number): Float32Array {
    return new Float32Array(this.current, at, length);
  }

  private owns(view: Float32Array | Int32Array): boolean {
    return this.buffers.has(view.buffer);
  }

  allocate(length: number): Float32Array {
    const at = this.reserve(4 * length);
    return at === undefined ? new Float32Array(length) : this.f32(at, length);
  }

  keep<T extends Float32Array | Int32Array>(values: T): T {
    const at = this.reserve(4 * values.length);
    if (at === undefined) return values;
    const copy = (values instanceof Int32Array ? new Int32Array(this.current, at, values.length) : this.f32(at, values.length)) as T;
    copy.set(values);
    return copy;
  }

  /** Starts a call's scratch region. */
  private beginCall(): void {
    this.scratchTop = this.scratchStart;
  }

  /** Scratch bytes for this call; a larger block replaces the region when it is full (the old one stays valid for this call). */
  private scratch(bytes: number): number {
    if (this.scratchTop + bytes > this.scratchEnd) {
      const size = Math.max(2 * (this.scratchTop - this.scratchStart + bytes), 1 << 20);
      const at = this.reserve(size);
      if (at === undefined) throw new RangeError(`training kernels: WebAssembly memory cannot grow by ${size} bytes`);
      this.scratchStart = this.scratchTop = at;
      this.scratchEnd = at + size;
    }
    const at = this.scratchTop;
    this.scratchTop = align16(at + bytes);
    return at;
  }

  /** The byte offset of `count` elements of `data`: in place when it lives here, else copied into scratch. */
  private place(data: Float32Array | Int32Array, count: number): number {
    if (this.owns(data)) return data.byteOffset;
    const at = this.scratch(4 * count);
    const view = data instanceof Int32Array ? new Int32Array(this.current, at, count) : this.f32(at, count);
    view.set(count === data.length ? data : data.subarray(0, count));
    return at;
  }

  /** An output region for `count` floats of `out`: in place, else scratch (holding out's values when `keep`). */
  private output(out: Float32Array, count: number, keep: boolean): number {
    if (this.owns(out)) return out.byteOffset;
    return keep ? this.place(out, count) : this.scratch(4 * count);
  }

  private copyOut(out: Float32Array, at: number, count: number): void {
    if (!this.owns(out)) out.set(this.f32(at, count));
  }

  /** Runs `kernel` over [0, end) in chunks of `chunk` on every thread; `args` end with (next, chunk, end). */
  private split(kernel: TrainingKernelName, args: number[], end: number, chunk: number): void {
    if (end <= 0) return;
    new Int32Array(this.current, this.counter, 1)[0] = 0;
    const all = [...args, this.counter, chunk, end];
    const call = () => this.kernels[kernel](...all);
    if (!this.pool || end <= chunk) {
      call();
      return;
    }
    this.pool.attach(this.memory, this.wasm.module);
    this.pool.run(kernel, Array.from({ length: this.threads - 1 }, () => all), call);
  }

  /** Rows per chunk for `rows` rows, a multiple of `block`. */
  private chunk(rows: number, block = 4): number {
    return block * Math.max(1, Math.ceil(rows / (block * CHUNKS_PER_THREAD * this.threads)));
  }

  private usable(...arrays: Float32Array[]): boolean {
    return arrays.every((a) => this.owns(a));
  }

  bagSum(table: Float32Array, width: number, bags: SparseBags, out: Float32Array, rows: number, select?: Int32Array): void {
    if (!this.usable(table)) return sparseKernelsReference.bagSum(table, width, bags, out, rows, select);
    this.beginCall();
    const [offsets, ids, weights, sel] = this.placeBags(bags, rows, select);
    const o = this.output(out, rows * width, false);
    this.split("bagSum", [table.byteOffset, width, offsets, ids, weights, sel, o], rows, this.chunk(rows, 1));
    this.copyOut(out, o, rows * width);
  }

  bagScatter(grad: Float32Array, width: number, bags: SparseBags, gradOut: Float32Array, rows: number, select?: Int32Array): void {
    if (!this.usable(grad)) return sparseKernelsReference.bagScatter(grad, width, bags, gradOut, rows, select);
    this.beginCall();
    const [offsets, ids, weights, sel] = this.placeBags(bags, rows, select);
    const g = this.place(gradOut, rows * width);
    const tableRows = grad.length / width;
    // Split by destination rows; one chunk per thread keeps the scans of every entry few.
    this.split("bagScatter", [grad.byteOffset, width, offsets, ids, weights, sel, g, rows], tableRows, Math.ceil(tableRows / this.threads));
  }

  /** Offsets of the bag arrays (0 for those absent) for `rows` output rows. */
  private placeBags(bags: SparseBags, rows: number, select?: Int32Array): number[] {
    const ids = bags.ids;
    const entries = bags.offsets ? bags.offsets[bags.offsets.length - 1] : rows;
    return [
      bags.offsets ? this.place(bags.offsets, bags.offsets.length) : 0,
      entries > 0 ? this.place(ids, entries) : 0,
      bags.weights && entries > 0 ? this.place(bags.weights, entries) : 0,
      select ? this.place(select, rows) : 0,
    ];
  }

  adam(value: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, width: number, rows: Int32Array | undefined, count: number, c: AdamConstants): void {
    if (!this.usable(value, grad, m, v)) return sparseKernelsReference.adam(value, grad, m, v, width, rows, count, c);
    this.beginCall();
    // Adam is elementwise: a whole parameter goes as rows of 64 floats when its length divides so, to be split.
    const rowWidth = rows ? width : value.length % 64 === 0 ? 64 : value.length;
    const n = rows ? count : value.length / rowWidth;
    if (n === 0) return;
    const r = rows ? this.place(rows, count) : 0;
    const args = [value.byteOffset, grad.byteOffset, m.byteOffset, v.byteOffset, rowWidth, r, c.beta1, c.beta2, c.stepSize, c.epsHat, c.decay];
    this.split("adamRows", args, n, this.chunk(n, 16));
  }

  matmul(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
    this.beginCall();
    const pa = this.place(a, m * k);
    const pb = this.place(b, k * n);
    this.gemm(pa, pb, out, m, k, n, accumulate);
  }

  matmulTransB(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
    this.beginCall();
    const pa = this.place(a, m * k);
    const bt = this.transposed(this.place(b, n * k), n, k);
    this.gemm(pa, bt, out, m, k, n, accumulate);
  }

  matmulTransA(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
    this.beginCall();
    const at = this.transposed(this.place(a, m * k), m, k);
    const pb = this.place(b, m * n);
    this.gemm(at, pb, out, k, m, n, accumulate);
  }

  /** A scratch copy of the (rows x cols) matrix at `src`, transposed. */
  private transposed(src: number, rows: number, cols: number): number {
    const dst = this.scratch(4 * rows * cols);
    this.split("transposeRows", [src, dst, rows, cols], rows, this.chunk(rows, 8));
    return dst;
  }

  private gemm(a: number, b: number, out: Float32Array, m: number, k: number, n: number, accumulate: boolean): void {
    const o = this.output(out, m * n, accumulate);
    this.split("gemmRows", [a, b, o, k, n, accumulate ? 1 : 0], m, this.chunk(m));
    this.copyOut(out, o, m * n);
  }

  /** The rows' items for the softmax's masking, with -1 for an item no other row has: the kernel skips those rows. */
  private placeDuplicates(items: Int32Array, b: number): number {
    const seen = new Map<number, number>();
    for (let i = 0; i < b; i++) seen.set(items[i], (seen.get(items[i]) ?? 0) + 1);
    const at = this.scratch(4 * b);
    const out = new Int32Array(this.current, at, b);
    for (let i = 0; i < b; i++) out[i] = seen.get(items[i])! > 1 ? items[i] : -1;
    return at;
  }

  inBatchSoftmax(q: Float32Array, k: Float32Array, b: number, d: number, o: SoftmaxOptions, gradQ: Float32Array, gradK: Float32Array): number {
    this.beginCall();
    const pq = this.place(q, b * d);
    const pk = this.place(k, b * d);
    const kt = this.transposed(pk, b, d);
    const logQ = o.logQ ? this.place(o.logQ, b) : 0;
    const items = o.items ? this.placeDuplicates(o.items, b) : 0;
    const logits = this.scratch(4 * b * b);
    const gt = this.scratch(4 * b * b);
    const lossRows = this.scratch(8 * b);
    const gq = this.output(gradQ, b * d, false);
    const gk = this.output(gradK, b * d, false);
    const chunk = this.chunk(b);
    this.split("softmaxRows", [pq, pk, kt, logits, gt, b, d, o.invTemperature, logQ, items, lossRows, gq], b, chunk);
    this.split("gemmRows", [gt, pq, gk, b, d, 0], b, chunk);
    this.copyOut(gradQ, gq, b * d);
    this.copyOut(gradK, gk, b * d);
    // Summed in row order on this thread, so the loss does not depend on the split either.
    const losses = new Float64Array(this.current, lossRows, b);
    let loss = 0;
    for (let i = 0; i < b; i++) loss += losses[i];
    return loss / b;
  }
}
