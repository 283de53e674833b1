import { afterAll, describe, expect, it, vi } from "vitest";
import { createDenseKernels } from "./dense-kernels-wasm.ts";
import { matmulReference } from "./dense-kernels.ts";
import { randomMatrix } from "./test-helpers.ts";

// Cloudflare workerd refuses to compile WebAssembly from bytes at run time; each test file gets fresh modules,
// so the compiled-module cache in dense-kernels-wasm.ts first sees the refusal here.
const refusal = "Wasm code generation disallowed by embedder";
vi.stubGlobal("WebAssembly", {
  Module: class {
    constructor() {
      throw new Error(refusal);
    }
  },
});
afterAll(() => vi.unstubAllGlobals());

describe("dense kernels without run-time WebAssembly compilation", () => {
  it("fall back to the TypeScript references and say so", () => {
    const kernels = createDenseKernels();
    expect(kernels.label).toBe(`typescript (WebAssembly unavailable: ${refusal})`);
    const a = randomMatrix(3, 4, 1);
    const b = randomMatrix(4, 5, 2);
    const got = new Float32Array(15);
    const want = new Float32Array(15);
    kernels.matmul(a, b, got, 3, 4, 5);
    matmulReference(a, b, want, 3, 4, 5);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});
