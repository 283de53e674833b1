import { describe, expect, it } from "vitest";
import { mmr, mmrOrder, mmrRanker } from "./mmr.ts";
import { popularityBlendRanker } from "./popularity-blend.ts";
import { retrievalRanker } from "./score.ts";
import { RankerSpec } from "./spec.ts";
import type { Candidate } from "./types.ts";

const ctx = { history: [] };
const candidate = (id: string, score: number, extra: Partial<Candidate> = {}): Candidate => ({ id, title: id, score, ...extra });

describe("retrievalRanker", () => {
  it("keeps the retrieval order and scores", async () => {
    const r = await retrievalRanker.rank(ctx, [candidate("a", 3), candidate("b", 2)]);
    expect(r).toMatchObject({ order: [0, 1], scores: [3, 2], served: { ranker: "retrieval" }, usage: { calls: 0 } });
  });
});

describe("mmr", () => {
  // Items 0 and 1 are near duplicates; 2 points elsewhere.
  const vectors = [Float32Array.of(1, 0), Float32Array.of(0.99, 0.1), Float32Array.of(0, 1)];
  const cos = (a: number, b: number) => {
    const [x, y] = [vectors[a], vectors[b]];
    return (x[0] * y[0] + x[1] * y[1]) / Math.hypot(x[0], x[1]) / Math.hypot(y[0], y[1]);
  };

  it("keeps relevance order with no diversity", () => {
    expect(mmrOrder([3, 2, 1], cos, 3, 0)).toEqual([0, 1, 2]);
  });

  it("moves a near duplicate behind a different item", () => {
    // After 0: item 1 is worth 0.5 * 0.5 - 0.5 * 0.995 < 0, item 2 is worth 0 - 0.5 * 0 = 0.
    expect(mmrOrder([3, 2, 1], cos, 3, 0.5)).toEqual([0, 2, 1]);
  });

  it("serves the recommend service's Scored lists by item id", () => {
    const scored = ["x", "y", "z"].map((id, k) => ({ item: { id, title: id, genres: [], tags: [] }, score: 3 - k }));
    const byId = new Map(scored.map((s, k) => [s.item.id, vectors[k]]));
    expect(mmr(scored, byId, 2, 0.5).map((s) => s.item.id)).toEqual(["x", "z"]);
  });

  it("as a ranker, returns every candidate with non-increasing scores", async () => {
    const cs = vectors.map((vector, k) => candidate(`c${k}`, 3 - k, { vector }));
    const r = await mmrRanker(0.5).rank(ctx, cs);
    expect(r.order).toEqual([0, 2, 1]);
    expect(r.scores).toEqual([1, 0.5, 0]);
    expect(r.served).toEqual({ ranker: "mmr" });
  });
});

describe("popularityBlendRanker", () => {
  const cs = [candidate("a", 9, { popularity: 1 }), candidate("b", 8, { popularity: 100 }), candidate("c", 7, { popularity: 10 })];

  it("keeps retrieval order at weight 0 and sorts by popularity at weight 1", async () => {
    expect((await popularityBlendRanker(0).rank(ctx, cs)).order).toEqual([0, 1, 2]);
    expect((await popularityBlendRanker(1).rank(ctx, cs)).order).toEqual([1, 2, 0]);
  });

  it("blends the two ranks", async () => {
    // Retrieval rank scores 1, 0.5, 0; popularity rank scores 0, 1, 0.5. At 0.4: 0.6, 0.7, 0.2.
    const r = await popularityBlendRanker(0.4).rank(ctx, cs);
    expect(r.order).toEqual([1, 0, 2]);
    expect(r.scores.map((s) => Number(s.toFixed(6)))).toEqual([0.7, 0.6, 0.2]);
  });
});

describe("RankerSpec", () => {
  it("fills the listwise defaults: B = 1, window 20, stride 10, the default gate", () => {
    expect(RankerSpec.parse({ kind: "llm-listwise" })).toEqual({ kind: "llm-listwise", orderings: 1, window: 20, stride: 10, gate: { coldAt: 5, warmAt: 50 } });
  });

  it("rejects a stride longer than the window, and unknown fields", () => {
    expect(RankerSpec.safeParse({ kind: "llm-listwise", window: 10, stride: 11 }).error?.issues[0].path).toEqual(["stride"]);
    expect(RankerSpec.safeParse({ kind: "mmr", diversity: 0.2, lambda: 0.8 }).success).toBe(false);
  });
});
