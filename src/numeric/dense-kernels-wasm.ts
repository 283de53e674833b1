import { type DenseKernels, type SoftmaxOptions, typeScriptDenseKernels } from "./dense-kernels.ts";
import { WASM_BASE64 } from "./dense-kernels.wasm.ts";
import { sharedMemory, type WasmMemory, type WasmModule, webAssembly } from "./webassembly.ts";

/** The exports of assembly/dense.ts; every pointer is a byte offset into the instance's memory. */
interface DenseWasmExports {
  heapBase(): number;
  gemm(a: number, b: number, out: number, m: number, k: number, n: number, accumulate: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  softmaxGrad(logits: number, rows: number, invT: number, logQ: number, items: number, lossOut: number): void;
}

let compiled: { module: WasmModule; heapBase: number } | Error | undefined;

/** The compiled module, or the Error that says why not (workerd refuses run-time compilation; no SIMD...). */
function denseWasm(): { module: WasmModule; heapBase: number } | Error {
  if (compiled === undefined) {
    try {
      const bytes = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
      const wa = webAssembly();
      const module = new wa.Module(bytes);
      const probe = new wa.Instance(module, { env: { memory: sharedMemory(1) } });
      compiled = { module, heapBase: (probe.exports as unknown as DenseWasmExports).heapBase() };
    } catch (e) {
      compiled = e instanceof Error ? e : new Error(String(e));
    }
  }
  return compiled;
}

/**
 * The dense kernels for this runtime: WebAssembly SIMD when it compiles, else the TypeScript references.
 * "js" asks for the references (tests and benchmarks compare the two).
 */
export function createDenseKernels(choice: "auto" | "js" = "auto"): DenseKernels {
  if (choice === "js") return typeScriptDenseKernels("requested");
  const wasm = denseWasm();
  return wasm instanceof Error ? typeScriptDenseKernels(`WebAssembly unavailable: ${wasm.message}`) : new WasmDenseKernels(wasm.module, wasm.heapBase);
}

const align16 = (bytes: number) => (bytes + 15) & ~15;

/**
 * Runs each product in one scratch WebAssembly memory: the operands are copied in (a transposed operand is
 * transposed in there by the kernel), the product computed, the result copied out. Copies are O(m k + k n +
 * m n) against the product's O(m k n). The memory is replaced by a larger one when a call needs more.
 */
class WasmDenseKernels implements DenseKernels {
  readonly label = "wasm-simd";
  private memory?: WasmMemory;
  private kernels?: DenseWasmExports;
  private floats: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private capacity = 0;

  constructor(
    private readonly module: WasmModule,
    private readonly heapBase: number,
  ) {}

  /** Offsets of regions of the given float counts, after making sure the memory holds them all. */
  private layout(...counts: number[]): number[] {
    const offsets: number[] = [];
    let at = align16(this.heapBase);
    for (const c of counts) {
      offsets.push(at);
      at = align16(at + 4 * c);
    }
    if (at > this.capacity) {
      // Grow by half again so a slowly growing batch does not rebuild the memory every call.
      this.capacity = Math.max(at, Math.floor(this.capacity * 1.5));
      this.memory = sharedMemory(this.capacity);
      this.kernels = new (webAssembly().Instance)(this.module, { env: { memory: this.memory } }).exports as unknown as DenseWasmExports;
      this.floats = new Float32Array(this.memory.buffer);
    }
    return offsets;
  }

  private put(at: number, data: Float32Array | Int32Array, count: number): void {
    const view = data instanceof Int32Array ? new Int32Array(this.floats.buffer) : this.floats;
    view.set(count === data.length ? data : data.subarray(0, count), at >> 2);
  }

  private run(aAt: number, bAt: number, outAt: number, out: Float32Array, m: number, k: number, n: number, accumulate: boolean): void {
    if (accumulate) this.put(outAt, out, m * n);
    this.kernels!.gemm(aAt, bAt, outAt, m, k, n, accumulate ? 1 : 0);
    out.set(this.floats.subarray(outAt >> 2, (outAt >> 2) + m * n));
  }

  matmul(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
    const [aAt, bAt, outAt] = this.layout(m * k, k * n, m * n);
    this.put(aAt, a, m * k);
    this.put(bAt, b, k * n);
    this.run(aAt, bAt, outAt, out, m, k, n, accumulate);
  }

  matmulTransB(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
    const [aAt, bAt, btAt, outAt] = this.layout(m * k, n * k, k * n, m * n);
    this.put(aAt, a, m * k);
    this.put(bAt, b, n * k);
    this.kernels!.transpose(bAt, btAt, n, k);
    this.run(aAt, btAt, outAt, out, m, k, n, accumulate);
  }

  inBatchSoftmax(q: Float32Array, k: Float32Array, b: number, d: number, o: SoftmaxOptions, gradQ: Float32Array, gradK: Float32Array): number {
    const [qAt, kAt, ktAt, logitsAt, transposedAt, logQAt, itemsAt, gradQAt, gradKAt, lossAt] = this.layout(b * d, b * d, d * b, b * b, b * b, b, b, b * d, b * d, 2);
    const kern = this.kernels!;
    this.put(qAt, q, b * d);
    this.put(kAt, k, b * d);
    if (o.logQ) this.put(logQAt, o.logQ, b);
    if (o.items) this.put(itemsAt, o.items, b);
    kern.transpose(kAt, ktAt, b, d);
    kern.gemm(qAt, ktAt, logitsAt, b, d, b, 0);
    kern.softmaxGrad(logitsAt, b, o.invTemperature, o.logQ ? logQAt : 0, o.items ? itemsAt : 0, lossAt);
    kern.gemm(logitsAt, kAt, gradQAt, b, b, d, 0);
    kern.transpose(logitsAt, transposedAt, b, b);
    kern.gemm(transposedAt, qAt, gradKAt, b, b, d, 0);
    gradQ.set(this.floats.subarray(gradQAt >> 2, (gradQAt >> 2) + b * d));
    gradK.set(this.floats.subarray(gradKAt >> 2, (gradKAt >> 2) + b * d));
    return new Float64Array(this.floats.buffer, lossAt, 1)[0] / b;
  }

  matmulTransA(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
    const [aAt, atAt, bAt, outAt] = this.layout(m * k, k * m, m * n, k * n);
    this.put(aAt, a, m * k);
    this.put(bAt, b, m * n);
    this.kernels!.transpose(aAt, atAt, m, k);
    this.run(atAt, bAt, outAt, out, k, m, n, accumulate);
  }
}
