import { describe, expect, it } from "vitest";
import { createDenseKernels, createLayerKernels } from "./dense-kernels-wasm.ts";
import { layerNormForwardReference, matmulReference } from "./dense-kernels.ts";
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

  it("the layer kernels fall back too", () => {
    const kernels = createLayerKernels();
    expect(kernels.label).toBe(`typescript (WebAssembly unavailable: ${refusal})`);
    const x = randomMatrix(3, 5, 1);
    const gamma = randomMatrix(1, 5, 2);
    const beta = randomMatrix(1, 5, 3);
    const got = [new Float32Array(15), new Float32Array(15), new Float32Array(3)];
    const want = [new Float32Array(15), new Float32Array(15), new Float32Array(3)];
    kernels.layerNormForward(x, 3, 5, gamma, beta, 1e-5, got[0], got[1], got[2]);
    layerNormForwardReference(x, 3, 5, gamma, beta, 1e-5, want[0], want[1], want[2]);
    expect(got.map((a) => Array.from(a))).toEqual(want.map((a) => Array.from(a)));
  });
});
