import { describe, expect, it } from "vitest";
import { Interactions } from "../data/interactions.ts";
import { easeSpec } from "./ease.ts";
import { twoClusters } from "./fixtures.ts";
import { itemKnnSpec } from "./itemknn.ts";
import { NO_RECENCY, recencyWeight, recencyWeightedRow, weightByRecency } from "./recency.ts";
import { recommend } from "./recommend.ts";

describe("recency weighting", () => {
  it("weights by age: exp(-age / tau) down to the floor; off gives 1", () => {
    const r = { tau: 5, floor: 0.05 };
    expect(recencyWeight(0, r)).toBe(1);
    expect(recencyWeight(5, r)).toBeCloseTo(Math.exp(-1), 12);
    expect(recencyWeight(100, r)).toBe(0.05);
    expect(recencyWeight(100, NO_RECENCY)).toBe(1);
    expect(recencyWeight(100, { tau: 0, floor: 0.05 })).toBe(1);
  });

  it("ages entries by timestamp, ties to the later input row, whatever the item order", () => {
    const data = Interactions.fromRows([
      { user: "a", item: "z", value: 1, timestamp: 30 },
      { user: "a", item: "x", value: 1, timestamp: 10 },
      { user: "a", item: "y", value: 1, timestamp: 10 },
      { user: "b", item: "x", value: 1, timestamp: 5 },
    ]);
    const row = recencyWeightedRow(data.matrix, data.ages!, data.users.get("a")!, { tau: 1, floor: 0 });
    const byId = new Map(row.map((h) => [data.items.toArray()[h.item], h.recency]));
    expect(byId.get("z")).toBe(1);
    expect(byId.get("y")).toBeCloseTo(Math.exp(-1), 12);
    expect(byId.get("x")).toBeCloseTo(Math.exp(-2), 12);
    expect(recencyWeightedRow(data.matrix, data.ages!, data.users.get("b")!, NO_RECENCY)).toEqual([{ item: data.items.get("x"), weight: 1, recency: 1 }]);
  });

  it("weights a history listed oldest first from its last event back", () => {
    const weighted = weightByRecency([{ item: 4, weight: 2 }, { item: 9, weight: 1 }], { tau: 2, floor: 0.1 });
    expect(weighted).toEqual([{ item: 4, weight: 2, recency: Math.exp(-0.5) }, { item: 9, weight: 1, recency: 1 }]);
  });

  it.each([easeSpec, itemKnnSpec])("linear model %s scores a recency factor as a scaled weight", async (spec) => {
    const { data } = twoClusters();
    const model = spec.create(spec.name === "ease" ? { lambda: 1 } : { k: 3 });
    await model.fit(data);
    const n = model.itemCount;
    const viaRecency = new Float32Array(n);
    const viaWeight = new Float32Array(n);
    model.scoreHistory([{ item: 0, weight: 1, recency: 0.3 }, { item: 4, weight: 2, recency: 1 }], viaRecency);
    model.scoreHistory([{ item: 0, weight: 0.3 }, { item: 4, weight: 2 }], viaWeight);
    for (let i = 0; i < n; i++) expect(viaRecency[i]).toBeCloseTo(viaWeight[i], 5);
  });

  it("recommend scores users from their recency-weighted rows when asked, and as before when off", async () => {
    const { data } = twoClusters();
    const model = easeSpec.create({ lambda: 1 });
    await model.fit(data);
    const users = Int32Array.from({ length: data.userCount }, (_, u) => u);
    const plain = recommend(model, users, 3, data.matrix);
    const off = recommend(model, users, 3, data.matrix, { matrix: data.matrix, ages: data.ages!, recency: NO_RECENCY });
    expect(off).toEqual(plain);
    const on = recommend(model, users, 3, data.matrix, { matrix: data.matrix, ages: data.ages!, recency: { tau: 0.5, floor: 0 } });
    const out = new Float32Array(model.itemCount);
    for (const u of users) {
      model.scoreHistory(recencyWeightedRow(data.matrix, data.ages!, u, { tau: 0.5, floor: 0 }), out);
      for (let p = data.matrix.indptr[u]; p < data.matrix.indptr[u + 1]; p++) out[data.matrix.indices[p]] = -Infinity;
      const best = Array.from(out.keys()).sort((a, b) => out[b] - out[a] || a - b)[0];
      expect(on.ids[u * 3]).toBe(best);
    }
  });
});
