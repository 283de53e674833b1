import { describe, expect, it } from "vitest";
import { createAlsSolver } from "./als-solver.ts";
import { createFactorScorer } from "./factor-scorer.ts";
import { randomMatrix, randomSparse, transposeRows, refuseWasmCompilation } from "./test-helpers.ts";
import { wasmUnavailableReason } from "./wasm.ts";

const refusal = refuseWasmCompilation();

describe("without run-time WebAssembly compilation", () => {
  it("falls back to the TypeScript kernels and says so", () => {
    expect(wasmUnavailableReason()).toBe(refusal);
    const byUser = randomSparse(5, 6, 0.5, 1);
    const solver = createAlsSolver({
      byUser,
      byItem: transposeRows(byUser),
      users: 5,
      items: 6,
      factors: 3,
      userFactors: randomMatrix(5, 3, 2, 0.02),
      itemFactors: randomMatrix(6, 3, 3, 0.02),
      reg: 0.1,
      alpha: 1,
      cgSteps: 3,
    });
    solver.solveUsers();
    solver.solveItems();
    expect(solver.label).toBe(`typescript (WebAssembly unavailable: ${refusal})`);
    expect(solver.result().users.every(Number.isFinite)).toBe(true);
    expect(createFactorScorer(randomMatrix(6, 3, 4), 3).label).toBe(`typescript (${refusal})`);
  });
});
