/**
 * The slice of the WebAssembly JavaScript API the kernels use, typed here because the project's libs (ES2023,
 * no DOM) do not declare it, and reached through globalThis so a runtime without it fails where it is asked
 * for, not at import.
 */
export interface WasmModule {
  readonly __brand?: "WebAssembly.Module";
}

export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

interface WebAssemblyApi {
  Module: {
    new (bytes: Uint8Array): WasmModule;
    exports(module: WasmModule): Array<{ name: string; kind: string }>;
  };
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

export function webAssembly(): WebAssemblyApi {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) throw new Error("this runtime has no WebAssembly");
  return api;
}

/** A fixed-size shared memory of at least `bytes` (kernels never grow it, so views onto it stay valid). */
export function sharedMemory(bytes: number): WasmMemory {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  return new (webAssembly().Memory)({ initial: pages, maximum: pages, shared: true });
}

/** A kernel module compiled once, and the first byte of memory its code leaves to the host. */
export interface CompiledKernels {
  module: WasmModule;
  heapBase: number;
}

/**
 * Compiles a kernel module (base64 bytes with a `heapBase` export), or returns the Error that says why it
 * cannot be had: workerd forbids compiling WebAssembly at run time, and a runtime may lack SIMD or shared memory.
 * Instantiating once with shared memory proves SharedArrayBuffer works too, so one path covers every gap.
 */
export function compileKernels(base64: string): CompiledKernels | Error {
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const wa = webAssembly();
    const module = new wa.Module(bytes);
    const probe = new wa.Instance(module, { env: { memory: sharedMemory(1) } });
    return { module, heapBase: (probe.exports as { heapBase(): number }).heapBase() };
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

const align16 = (bytes: number) => (bytes + 15) & ~15;

/**
 * One scratch memory for kernels whose operands are copied in and results copied out per call: `layout`
 * reserves the regions a call needs and replaces the memory (and the instance over it) by a larger one when
 * they do not fit, growing by half again so a slowly growing batch does not rebuild it every call. Views are
 * valid until the next `layout`.
 */
export class ScratchMemory<Exports> {
  kernels!: Exports;
  floats: Float32Array<ArrayBufferLike> = new Float32Array(0);
  ints: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private capacity = 0;

  constructor(private readonly compiled: CompiledKernels) {}

  /** Byte offsets of regions of the given 4-byte element counts, 16-byte aligned. */
  layout(...counts: number[]): number[] {
    const offsets: number[] = [];
    let at = align16(this.compiled.heapBase);
    for (const c of counts) {
      offsets.push(at);
      at = align16(at + 4 * c);
    }
    if (at > this.capacity) {
      this.capacity = Math.max(at, Math.floor(this.capacity * 1.5));
      const memory = sharedMemory(this.capacity);
      this.kernels = new (webAssembly().Instance)(this.compiled.module, { env: { memory } }).exports as Exports;
      this.floats = new Float32Array(memory.buffer);
      this.ints = new Int32Array(memory.buffer);
    }
    return offsets;
  }
}
