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
