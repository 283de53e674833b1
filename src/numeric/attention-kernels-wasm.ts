import { type AttentionKernels, type AttentionShape, typeScriptAttentionKernels } from "./attention-kernels.ts";
import { WASM_BASE64 } from "./attention-kernels.wasm.ts";
import { sharedMemory, type WasmMemory, type WasmModule, webAssembly } from "./webassembly.ts";

/** The exports of assembly/attention.ts; every pointer is a byte offset into the instance's memory. */
interface AttentionWasmExports {
  heapBase(): number;
  forward(qkv: number, offsets: number, segments: number, weightStart: number, width: number, heads: number, scale: number, out: number, weights: number): void;
  backward(qkv: number, offsets: number, segments: number, weightStart: number, width: number, heads: number, scale: number, weights: number, gradOut: number, grad: number, dp: number): void;
}

let compiled: { module: WasmModule; heapBase: number } | Error | undefined;

/** The compiled module, or the Error that says why not (workerd refuses run-time compilation; no SIMD...). */
function attentionWasm(): { module: WasmModule; heapBase: number } | Error {
  if (compiled === undefined) {
    try {
      const bytes = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
      const wa = webAssembly();
      const module = new wa.Module(bytes);
      const probe = new wa.Instance(module, { env: { memory: sharedMemory(1) } });
      compiled = { module, heapBase: (probe.exports as unknown as AttentionWasmExports).heapBase() };
    } catch (e) {
      compiled = e instanceof Error ? e : new Error(String(e));
    }
  }
  return compiled;
}

/** WebAssembly SIMD when it compiles, else the TypeScript references; "js" asks for the references. */
export function createAttentionKernels(choice: "auto" | "js" = "auto"): AttentionKernels {
  if (choice === "js") return typeScriptAttentionKernels("requested");
  const wasm = attentionWasm();
  return wasm instanceof Error ? typeScriptAttentionKernels(`WebAssembly unavailable: ${wasm.message}`) : new WasmAttentionKernels(wasm.module, wasm.heapBase);
}

const align16 = (bytes: number) => (bytes + 15) & ~15;

/**
 * Runs each call in one scratch WebAssembly memory: operands copied in, results copied out (O(rows x width +
 * weights) against the O(sum n^2 x width) of the work). The memory is replaced by a larger one when a call
 * needs more.
 */
class WasmAttentionKernels implements AttentionKernels {
  readonly label = "wasm-simd";
  private kernels?: AttentionWasmExports;
  private memory?: WasmMemory;
  private floats: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private ints: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private capacity = 0;

  constructor(
    private readonly module: WasmModule,
    private readonly heapBase: number,
  ) {}

  /** Byte offsets of regions of the given 4-byte element counts, after making sure the memory holds them all. */
  private layout(...counts: number[]): number[] {
    const offsets: number[] = [];
    let at = align16(this.heapBase);
    for (const c of counts) {
      offsets.push(at);
      at = align16(at + 4 * c);
    }
    if (at > this.capacity) {
      this.capacity = Math.max(at, Math.floor(this.capacity * 1.5));
      this.memory = sharedMemory(this.capacity);
      this.kernels = new (webAssembly().Instance)(this.module, { env: { memory: this.memory } }).exports as unknown as AttentionWasmExports;
      this.floats = new Float32Array(this.memory.buffer);
      this.ints = new Int32Array(this.memory.buffer);
    }
    return offsets;
  }

  forward(a: AttentionShape, qkv: Float32Array, out: Float32Array, weights: Float32Array): void {
    const rows = a.offsets[a.offsets.length - 1];
    const segments = a.offsets.length - 1;
    const w = a.width;
    const [qkvAt, offAt, startAt, outAt, weightsAt] = this.layout(rows * 3 * w, segments + 1, segments + 1, rows * w, a.weightStart[segments]);
    this.floats.set(qkv.subarray(0, rows * 3 * w), qkvAt >> 2);
    this.ints.set(a.offsets, offAt >> 2);
    this.ints.set(a.weightStart, startAt >> 2);
    this.floats.fill(0, outAt >> 2, (outAt >> 2) + rows * w);
    this.kernels!.forward(qkvAt, offAt, segments, startAt, w, a.heads, 1 / Math.sqrt(w / a.heads), outAt, weightsAt);
    out.set(this.floats.subarray(outAt >> 2, (outAt >> 2) + rows * w));
    weights.set(this.floats.subarray(weightsAt >> 2, (weightsAt >> 2) + a.weightStart[segments]));
  }

  backward(a: AttentionShape, qkv: Float32Array, weights: Float32Array, gradOut: Float32Array, grad: Float32Array): void {
    const rows = a.offsets[a.offsets.length - 1];
    const segments = a.offsets.length - 1;
    const w = a.width;
    const triangles = a.weightStart[segments];
    const [qkvAt, offAt, startAt, weightsAt, gradOutAt, gradAt, dpAt] = this.layout(rows * 3 * w, segments + 1, segments + 1, triangles, rows * w, rows * 3 * w, a.maxLength);
    this.floats.set(qkv.subarray(0, rows * 3 * w), qkvAt >> 2);
    this.ints.set(a.offsets, offAt >> 2);
    this.ints.set(a.weightStart, startAt >> 2);
    this.floats.set(weights.subarray(0, triangles), weightsAt >> 2);
    this.floats.set(gradOut.subarray(0, rows * w), gradOutAt >> 2);
    this.floats.fill(0, gradAt >> 2, (gradAt >> 2) + rows * 3 * w);
    this.kernels!.backward(qkvAt, offAt, segments, startAt, w, a.heads, 1 / Math.sqrt(w / a.heads), weightsAt, gradOutAt, gradAt, dpAt);
    grad.set(this.floats.subarray(gradAt >> 2, (gradAt >> 2) + rows * 3 * w));
  }
}
