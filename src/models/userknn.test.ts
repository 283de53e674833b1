import { describe, expect, it } from "vitest";
import type { InteractionRow } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import { describeRecommenderContract } from "./recommender.contract.ts";
import { userKnnSpec } from "./userknn.ts";

describeRecommenderContract(userKnnSpec, { params: { k: 2 } });

function interactions(history: Record<string, string[]>): Interactions {
  const rows: InteractionRow[] = [];
  for (const [user, items] of Object.entries(history)) for (const item of items) rows.push({ user, item, value: 1, timestamp: rows.length });
  return Interactions.fromRows(rows);
}

describe("userknn", () => {
  // u0 {a, b}, u1 {a, b, c}, u2 {b, d}, u3 {d}:
  // cos(u0, u1) = 2/sqrt(6), cos(u0, u2) = 1/2, cos(u0, u3) = 0, cos(u2, u3) = 1/sqrt(2), cos(u1, u2) = 1/sqrt(6).
  const data = interactions({ u0: ["a", "b"], u1: ["a", "b", "c"], u2: ["b", "d"], u3: ["d"] });
  const [a, b, c, d] = ["a", "b", "c", "d"].map((id) => data.items.get(id)!);
  const scores = async (k: number, user: number) => {
    const m = userKnnSpec.create({ k });
    await m.fit(data);
    const out = new Float32Array(4);
    m.scoreUsers(Int32Array.of(user), out);
    return { m, out };
  };

  it("sums the rows of the k most similar users weighted by cosine", async () => {
    const { out } = await scores(1, 0);
    // k = 1: only u1 counts.
    [2 / Math.sqrt(6), 2 / Math.sqrt(6), 2 / Math.sqrt(6), 0].forEach((v, j) => expect(out[j]).toBeCloseTo(v, 6));
    const two = (await scores(2, 0)).out;
    expect(two[d]).toBeCloseTo(0.5, 6);
    expect(two[b]).toBeCloseTo(2 / Math.sqrt(6) + 0.5, 6);
  });

  it("folds in a weighted history against every training user", async () => {
    const { m } = await scores(1, 0);
    const out = new Float32Array(4);
    // {c, d} is closest to u3 {d}: cos = 1 / sqrt(2), then u1 and u2 at 1 / sqrt(6) and 1 / 2.
    m.scoreHistory([{ item: c, weight: 1 }, { item: d, weight: 1 }], out);
    [0, 0, 0, Math.SQRT1_2].forEach((v, j) => expect(out[j]).toBeCloseTo(v, 6));
  });

  it("finds similar items by cosine of their user columns", async () => {
    const { m } = await scores(1, 0);
    const out = new Float32Array(4);
    m.scoreSimilar(a, out);
    // a = {u0, u1}, b = {u0, u1, u2}, c = {u1}, d = {u2, u3}.
    [1, 2 / Math.sqrt(6), Math.SQRT1_2, 0].forEach((v, j) => expect(out[j]).toBeCloseTo(v, 6));
    expect(out[b]).toBeGreaterThan(out[c]);
  });
});
