import { describe, expect, it } from "vitest";
import { createDenseKernels } from "./dense-kernels-wasm.ts";
import { matmulReference } from "./dense-kernels.ts";
import { randomMatrix, refuseWasmCompilation } from "./test-helpers.ts";

const refusal = refuseWasmCompilation();

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
