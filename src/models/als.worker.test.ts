import { describe, expect, it } from "vitest";
import { wasmUnavailableReason } from "../numeric/wasm.ts";
import { AlsRecommender, alsSpec } from "./als.ts";
import { twoClusters } from "./fixtures.ts";
import { recommend } from "./recommend.ts";
import { resolveParams } from "./spec.ts";

// Inside workerd: WebAssembly cannot be compiled from bytes at run time, so ALS must run on its TypeScript
// kernels, say so, and still recommend.
describe("als in workerd", () => {
  it("falls back to the TypeScript kernels and still ranks each user's missing item first", async () => {
    expect(wasmUnavailableReason()).toBeDefined();
    const { data, missing } = twoClusters();
    const model = new AlsRecommender(resolveParams(alsSpec, { factors: 4, reg: 0.1, alpha: 10, iterations: 20 }));
    await model.fit(data);
    expect(model.kernelsUsed).toMatch(/^typescript \(WebAssembly unavailable: /);
    const users = Int32Array.from(missing.keys());
    expect(Array.from(recommend(model, users, 1, data.matrix).ids)).toEqual(Array.from(missing.values()));
  });
});
