import { describe, expect, it } from "vitest";
import { twoClusters } from "./fixtures.ts";
import { recommend } from "./recommend.ts";
import { resolveParams } from "./spec.ts";
import { TwoTower, twoTowerSpec } from "./twotower.ts";

// Inside workerd: WebAssembly cannot be compiled from bytes at run time, so the two-tower's products run on
// their TypeScript references; a model comes back from its artifact and serves and encodes content the same.
describe("twotower in workerd", () => {
  it("runs on the TypeScript kernels, says so, ranks each user's missing item first, and restores", async () => {
    const { data, missing } = twoClusters();
    const model = new TwoTower(resolveParams(twoTowerSpec, { dim: 8, hidden: 8, batch: 8, lr: 0.05, epochs: 40, validate: 0, hash_bits: 8 }));
    await model.fit(data);
    expect(model.kernelsLabel).toMatch(/^typescript \(WebAssembly unavailable: /);
    const users = Int32Array.from(missing.keys());
    expect(Array.from(recommend(model, users, 1, data.matrix).ids)).toEqual(Array.from(missing.values()));
    const copy = twoTowerSpec.restore(structuredClone(model.toArtifact()));
    expect(Array.from(recommend(copy, users, 1, data.matrix).ids)).toEqual(Array.from(missing.values()));
    const content = { title: "Something New", year: 2001, genres: ["Drama"] };
    expect(Array.from(copy.encodeContent(content))).toEqual(Array.from(model.encodeContent(content)));
  });
});
