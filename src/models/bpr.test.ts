import { describe, expect, it } from "vitest";
import { dot } from "../numeric/vectors.ts";
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

  it("places an item from its users' evidence beside the items those users share (the mean direction of their vectors)", async () => {
    const { m, data } = await fitted();
    const d = m.factors;
    const users = m.toArtifact().arrays.userFactors as Float32Array;
    const items = m.itemVectors();
    const cosine = (a: Float32Array, i: number) => dot(a, items.subarray(i * d, (i + 1) * d)) / Math.sqrt(dot(a, a) * dot(items.subarray(i * d, (i + 1) * d), items.subarray(i * d, (i + 1) * d)));
    for (let i = 0; i < data.itemCount; i++) {
      const evidence = m.itemEvidence();
      for (let e = data.byItem.indptr[i]; e < data.byItem.indptr[i + 1]; e++) evidence.add(users.subarray(data.byItem.indices[e] * d, (data.byItem.indices[e] + 1) * d), 1, true);
      const placed = evidence.solve();
      const cluster = (j: number) => (Number(data.items.id(j).slice(1)) < 3 ? "A" : "B");
      const others = Array.from({ length: data.itemCount }, (_, j) => j).filter((j) => cluster(j) !== cluster(i));
      // Nearer the trained item itself than any item of the other cluster, and its users score it above everyone else.
      expect(cosine(placed, i), data.items.id(i)).toBeGreaterThan(Math.max(...others.map((j) => cosine(placed, j))));
      const raters = new Set(data.byItem.indices.subarray(data.byItem.indptr[i], data.byItem.indptr[i + 1]));
      const score = (u: number) => dot(placed, users.subarray(u * d, (u + 1) * d));
      const lowestRater = Math.min(...[...raters].map(score));
      for (let u = 0; u < data.userCount; u++) if (!raters.has(u)) expect(score(u)).toBeLessThan(lowestRater);
    }
  });

  it("places an item with no evidence at zero and counts each user once, whatever the weights", async () => {
    const { m } = await fitted();
    const d = m.factors;
    const users = m.toArtifact().arrays.userFactors as Float32Array;
    expect(Array.from(m.itemEvidence().solve())).toEqual(new Array(d).fill(0));
    const once = m.itemEvidence();
    once.add(users.subarray(0, d), 1, true);
    const repeated = m.itemEvidence();
    repeated.add(users.subarray(0, d), 5, true);
    repeated.add(users.subarray(0, d), 2, false);
    expect(Array.from(repeated.solve())).toEqual(Array.from(once.solve()));
    expect(() => m.itemEvidence().add(new Float32Array(d - 1), 1, true)).toThrow(/factors, the model/);
  });

  it("reports progress once per epoch", async () => {
    const { data } = twoClusters();
    const m = bprSpec.create(resolveParams(bprSpec, { ...small, iterations: 3 }));
    const seen: Array<[number, number]> = [];
    await m.fit(data, { onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual([[1, 3], [2, 3], [3, 3]]);
  });
});
