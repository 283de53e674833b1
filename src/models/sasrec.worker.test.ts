import { describe, expect, it } from "vitest";
import { twoClusters } from "./fixtures.ts";
import { recommend } from "./recommend.ts";
import { SasRec, sasrecSpec } from "./sasrec.ts";
import { resolveParams } from "./spec.ts";

// Inside workerd: WebAssembly cannot be compiled from bytes at run time, so sasrec's dense and attention products
// run on their TypeScript references; a model trained elsewhere comes back from its artifact and serves the same.
describe("sasrec in workerd", () => {
  it("runs on the TypeScript kernels, says so, and ranks each user's missing item first", async () => {
    const { data, missing } = twoClusters({ nextItemOrder: true });
    // The Node contract's small recipe (SMALL in sasrec.test.ts): this fixture of two-item histories passes at some settings only.
    const model = new SasRec(resolveParams(sasrecSpec, { hidden: 16, maxlen: 5, epochs: 150, patience: 0, dropout: 0, batch: 2, lr: 0.005, average: 0.9 }));
    await model.fit(data);
    expect(model.kernelsUsed).toMatch(/^dense typescript \(WebAssembly unavailable: .*attention typescript \(WebAssembly unavailable: /);
    const users = Int32Array.from(missing.keys());
    expect(Array.from(recommend(model, users, 1, data.matrix).ids)).toEqual(Array.from(missing.values()));
    const copy = sasrecSpec.restore(structuredClone(model.toArtifact()));
    expect(Array.from(recommend(copy, users, 1, data.matrix).ids)).toEqual(Array.from(missing.values()));
    expect(copy.attentionOver([{ item: 0, weight: 1 }, { item: 1, weight: 1 }]).length).toBe(2);
  });
});
