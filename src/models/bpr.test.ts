import { describe, expect, it } from "vitest";
import { bprSpec } from "./bpr.ts";
import { twoClusters } from "./fixtures.ts";
import { describeRecommenderContract } from "./recommender.contract.ts";
import { resolveParams } from "./spec.ts";

const small = { factors: 4, lr: 0.05, reg: 0.01, iterations: 200 };

describeRecommenderContract(bprSpec, { params: small });

describe("bpr", () => {
  const fitted = async (overrides: Record<string, number> = {}) => {
    const { data } = twoClusters();
    const m = bprSpec.create(resolveParams(bprSpec, { ...small, ...overrides }));
    await m.fit(data);
    return { m, data };
  };

  it("keeps the user's constant 1 in the last component and learns item biases there", async () => {
    const { m, data } = await fitted();
    const d = m.factors;
    expect(d).toBe(small.factors + 1);
    const users = m.toArtifact().arrays.userFactors;
    for (let u = 0; u < data.userCount; u++) expect(users[u * d + d - 1]).toBe(1);
    // Cluster A items are positives more often (the fan), so they end with larger biases than cluster B items.
    const bias = (id: string) => m.itemVectors()[data.items.get(id)! * d + d - 1];
    expect(Math.min(bias("i0"), bias("i1"), bias("i2"))).toBeGreaterThan(Math.max(bias("i3"), bias("i4"), bias("i5")));
  });

  it("depends on the seed and only on the seed", async () => {
    const a = (await fitted({ seed: 1 })).m.itemVectors();
    const b = (await fitted({ seed: 1 })).m.itemVectors();
    const c = (await fitted({ seed: 2 })).m.itemVectors();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it("folds in a history deterministically, leaving the item vectors untouched", async () => {
    const { m } = await fitted();
    const before = Array.from(m.itemVectors());
    const history = [{ item: 3, weight: 1 }, { item: 4, weight: 1 }];
    const u1 = m.foldIn(history);
    expect(Array.from(m.foldIn(history))).toEqual(Array.from(u1));
    expect(Array.from(m.itemVectors())).toEqual(before);
    expect(u1[m.factors - 1]).toBe(1);
  });

  it("reports progress once per epoch", async () => {
    const { data } = twoClusters();
    const m = bprSpec.create(resolveParams(bprSpec, { ...small, iterations: 3 }));
    const seen: Array<[number, number]> = [];
    await m.fit(data, { onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual([[1, 3], [2, 3], [3, 3]]);
  });
});
