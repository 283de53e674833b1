import { type AttentionKernels, type AttentionShape, typeScriptAttentionKernels } from "./attention-kernels.ts";
import { WASM_BASE64 } from "./attention-kernels.wasm.ts";
import { type CompiledKernels, compileKernels, ScratchMemory } from "./webassembly.ts";

/** The exports of assembly/attention.ts; every pointer is a byte offset into the instance's memory. */
interface AttentionWasmExports {
  heapBase(): number;
  forward(qkv: number, offsets: number, segments: number, weightStart: number, width: number, heads: number, scale: number, out: number, weights: number, dropMask: number, dropped: number): void;
  backward(qkv: number, offsets: number, segments: number, weightStart: number, width: number, heads: number, scale: number, weights: number, gradOut: number, grad: number, ds: number, dropMask: number, dropped: number): void;
}

let compiled: CompiledKernels | Error | undefined;

/** The compiled module, or the Error that says why not (compileKernels). */
function attentionWasm(): CompiledKernels | Error {
  compiled ??= compileKernels(WASM_BASE64);
  return compiled;
}

/** WebAssembly SIMD when it compiles, else the TypeScript references; "js" asks for the references. */
export function createAttentionKernels(choice: "auto" | "js" = "auto"): AttentionKernels {
  if (choice === "js") return typeScriptAttentionKernels("requested");
  const wasm = attentionWasm();
  return wasm instanceof Error ? typeScriptAttentionKernels(`WebAssembly unavailable: ${wasm.message}`) : new WasmAttentionKernels(new ScratchMemory<AttentionWasmExports>(wasm));
}

/**
 * Runs each call in one scratch WebAssembly memory: operands copied in, results copied out (O(rows x width +
 * weights) against the O(sum n^2 x width) of the work). The memory is replaced by a larger one when a call
 * needs more.
 */
class WasmAttentionKernels implements AttentionKernels {
  readonly label = "wasm-simd";
  constructor(private readonly scratch: ScratchMemory<AttentionWasmExports>) {}

  forward(a: AttentionShape, qkv: Float32Array, out: Float32Array, weights: Float32Array, dropMask?: Float32Array): void {
    const rows = a.offsets[a.offsets.length - 1];
    const segments = a.offsets.length - 1;
    const w = a.width;
    const triangles = a.weightStart[segments];
    const masked = dropMask ? 1 : 0;
    const [qkvAt, offAt, startAt, outAt, weightsAt, maskAt, droppedAt] = this.scratch.layout(rows * 3 * w, segments + 1, segments + 1, rows * w, triangles, masked * triangles, masked * a.maxLength);
    this.scratch.floats.set(qkv.subarray(0, rows * 3 * w), qkvAt >> 2);
    this.scratch.ints.set(a.offsets, offAt >> 2);
    this.scratch.ints.set(a.weightStart, startAt >> 2);
    if (dropMask) this.scratch.floats.set(dropMask.subarray(0, triangles), maskAt >> 2);
    this.scratch.kernels.forward(qkvAt, offAt, segments, startAt, w, a.heads, 1 / Math.sqrt(w / a.heads), outAt, weightsAt, masked * maskAt, droppedAt);
    out.set(this.scratch.floats.subarray(outAt >> 2, (outAt >> 2) + rows * w));
    weights.set(this.scratch.floats.subarray(weightsAt >> 2, (weightsAt >> 2) + triangles));
  }

  backward(a: AttentionShape, qkv: Float32Array, weights: Float32Array, gradOut: Float32Array, grad: Float32Array, dropMask?: Float32Array): void {
    const rows = a.offsets[a.offsets.length - 1];
    const segments = a.offsets.length - 1;
    const w = a.width;
    const triangles = a.weightStart[segments];
    const triangle = (a.maxLength * (a.maxLength + 1)) / 2;
    const masked = dropMask ? 1 : 0;
    const [qkvAt, offAt, startAt, weightsAt, gradOutAt, gradAt, dsAt, maskAt, droppedAt] = this.scratch.layout(rows * 3 * w, segments + 1, segments + 1, triangles, rows * w, rows * 3 * w, triangle, masked * triangles, masked * triangle);
    this.scratch.floats.set(qkv.subarray(0, rows * 3 * w), qkvAt >> 2);
    this.scratch.ints.set(a.offsets, offAt >> 2);
    this.scratch.ints.set(a.weightStart, startAt >> 2);
    this.scratch.floats.set(weights.subarray(0, triangles), weightsAt >> 2);
    this.scratch.floats.set(gradOut.subarray(0, rows * w), gradOutAt >> 2);
    if (dropMask) this.scratch.floats.set(dropMask.subarray(0, triangles), maskAt >> 2);
    this.scratch.kernels.backward(qkvAt, offAt, segments, startAt, w, a.heads, 1 / Math.sqrt(w / a.heads), weightsAt, gradOutAt, gradAt, dsAt, masked * maskAt, droppedAt);
    grad.set(this.scratch.floats.subarray(gradAt >> 2, (gradAt >> 2) + rows * 3 * w));
  }
}
