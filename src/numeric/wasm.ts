import { WASM_BASE64 } from "./als-kernels.wasm.ts";
import { type CompiledKernels, compileKernels, sharedMemory, type WasmMemory, webAssembly } from "./webassembly.ts";

/**
 * The exports of assembly/als.ts; every pointer is a byte offset into the instance's memory. `next` points at
 * an i32 row counter the host sets to the first row: callers on several threads share it and split the rows
 * below `end` between them in chunks of `chunk` rows.
 */
export interface AlsWasmExports {
  heapBase(): number;
  gram(y: number, next: number, chunk: number, end: number, stride: number, parts: number): void;
  sumGrams(parts: number, count: number, stride: number, out: number): void;
  cgRows(
    indptr: number,
    indices: number,
    values: number,
    x: number,
    y: number,
    yty: number,
    stride: number,
    alpha: number,
    steps: number,
    next: number,
    chunk: number,
    end: number,
    scratch: number,
  ): void;
  scoreBlock(u: number, users: number, vt: number, cols: number, stride: number, out: number): void;
}

export type KernelName = "gram" | "cgRows";

/** The compiled kernels and the first byte of memory they leave to the host. */
export type AlsWasm = CompiledKernels;

let compiled: AlsWasm | Error | undefined;

/** The compiled kernel module, or the Error that says why it cannot be had (callers then run the TypeScript kernels). */
export function alsWasm(): AlsWasm | Error {
  compiled ??= compileKernels(WASM_BASE64);
  return compiled;
}

/** Why the kernels run in TypeScript here, or undefined when WebAssembly is available. */
export function wasmUnavailableReason(): string | undefined {
  const w = alsWasm();
  return w instanceof Error ? w.message : undefined;
}

/** Bytes rounded up to 16, the alignment of a v128. */
const align16 = (n: number) => (n + 15) & ~15;

/** Row stride used inside wasm memory: factors rounded up to whole f32x4 vectors. */
export const paddedStride = (factors: number) => (factors + 3) & ~3;

/**
 * One fixed-size WebAssembly memory with a kernel instance, laid out by a bump allocator before use: the
 * caller reserves every region (`reserve`), then `instantiate` creates the memory and views onto it. Memory
 * never grows afterwards, so views stay valid and worker threads can share it.
 */
export class WasmArena {
  private next: number;
  private memory?: WasmMemory;

  constructor(private readonly wasm: AlsWasm) {
    this.next = align16(wasm.heapBase);
  }

  /** Reserves `bytes` and returns their offset. */
  reserve(bytes: number): number {
    const at = this.next;
    this.next = align16(at + bytes);
    return at;
  }

  instantiate(): { memory: WasmMemory; kernels: AlsWasmExports } {
    this.memory = sharedMemory(this.next);
    const kernels = new (webAssembly().Instance)(this.wasm.module, { env: { memory: this.memory } }).exports as unknown as AlsWasmExports;
    return { memory: this.memory, kernels };
  }

  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.buffer(), offset, length);
  }

  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.buffer(), offset, length);
  }

  private buffer(): ArrayBufferLike {
    if (!this.memory) throw new Error("WasmArena: instantiate() before taking views");
    return this.memory.buffer;
  }
}
