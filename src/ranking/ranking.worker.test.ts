import { describe, expect, it } from "vitest";
import { httpStatus } from "../llm/fake-server.ts";
import { fakeRanker, prefer } from "./listwise-fake.ts";
import { RankerSpec, createRanker } from "./spec.ts";
import type { Candidate } from "./types.ts";

// The rankers inside workerd: prompts, token budget, the SDK over the fake server, shuffles and fallbacks.
describe("rankers in workerd", () => {
  const cs: Candidate[] = ["A", "B", "C"].map((title, k) => ({ id: title, title, score: 3 - k, popularity: k, vector: Float32Array.of(1, k) }));
  const ctx = { history: [{ id: "h", title: "H" }] };
  const titles = (order: number[]) => order.map((i) => cs[i].title);

  it("ranks by LLM with Borda over shuffled orderings", async () => {
    const { client } = fakeRanker(prefer(["C", "A", "B"]));
    const r = await createRanker(RankerSpec.parse({ kind: "llm-listwise", orderings: 3, gate: null }), client).rank(ctx, cs);
    expect(titles(r.order)).toEqual(["C", "A", "B"]);
    expect(r.served).toEqual({ ranker: "llm-listwise" });
  });

  it("falls back to retrieval order on a failing endpoint", async () => {
    const { client } = fakeRanker(() => httpStatus(500), { maxRetries: 0 });
    const r = await createRanker(RankerSpec.parse({ kind: "llm-listwise", gate: null }), client).rank(ctx, cs);
    expect(r).toMatchObject({ order: [0, 1, 2], served: { ranker: "retrieval", fallback: "server_error" } });
  });

  it("runs MMR and popularity blending", async () => {
    const { client } = fakeRanker(prefer([]));
    const mmr = await createRanker(RankerSpec.parse({ kind: "mmr", diversity: 0.5 }), client).rank(ctx, cs);
    expect(mmr.served).toEqual({ ranker: "mmr" });
    expect([...mmr.order].sort()).toEqual([0, 1, 2]);
    const popular = await createRanker(RankerSpec.parse({ kind: "popularity-blend", weight: 1 }), client).rank(ctx, cs);
    expect(titles(popular.order)).toEqual(["C", "B", "A"]);
  });
});
