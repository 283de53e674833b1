import { describe, expect, it } from "vitest";
import { randomMatrix, refuseWasmCompilation } from "./test-helpers.ts";
import { bagSumReference } from "./training-kernels.ts";
import { createTrainingKernels } from "./training-kernels-wasm.ts";

const refusal = refuseWasmCompilation();

describe("training kernels without run-time WebAssembly compilation", () => {
  it("fall back to the TypeScript references, on ordinary arrays, and say so", () => {
    const kernels = createTrainingKernels();
    expect(kernels.label).toBe(`typescript (WebAssembly unavailable: ${refusal})`);
    const table = kernels.allocate(12);
    expect(table.buffer).toBeInstanceOf(ArrayBuffer);
    table.set(randomMatrix(3, 4, 1));
    const bags = { offsets: Int32Array.of(0, 2, 3), ids: Int32Array.of(2, 0, 1), weights: Float32Array.of(0.5, -1, 2) };
    const got = new Float32Array(8);
    const want = new Float32Array(8);
    kernels.bagSum(table, 4, bags, got, 2);
    bagSumReference(table, 4, bags, want, 2);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});
