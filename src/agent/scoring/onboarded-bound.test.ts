import { describe, expect, it } from "vitest";
import { MemoryIndex } from "../../index/memory.ts";
import type { FactorRecommender } from "../../models/recommender.ts";
import { boundOnboarded, onboardedSlots } from "./onboarded-bound.ts";
import { IndexScorer } from "./index-scorer.ts";

describe("the bound on onboarded items", () => {
  it("gives them round(share x k) slots, at least one", () => {
    expect([onboardedSlots(20, 0.15), onboardedSlots(10, 0.15), onboardedSlots(5, 0.15), onboardedSlots(1, 0.15), onboardedSlots(100, 0.15)]).toEqual([3, 2, 1, 1, 15]);
  });

  it("keeps the best onboarded items up to the slots and the list's order otherwise", () => {
    const { kept, dropped } = boundOnboarded(["n1", "t1", "n2", "n3", "t2", "n4"], 2, (x) => x.startsWith("n"));
    expect(kept).toEqual(["n1", "t1", "n2", "t2"]);
    expect(dropped).toEqual(["n3", "n4"]);
  });

  it("IndexScorer: onboarded items beyond their slots give way to the next trained items, re-queried", async () => {
    // 1-d space: the user vector is 1, so an item's score is its coordinate. Trained t0..t9 score 0..9,
    // onboarded n0..n5 score 100..105: unbounded they would take the first six places.
    const index = new MemoryIndex(1);
    const trained = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, title: `t${i}`, genres: [], tags: [], vector: Float32Array.of(i) }));
    const onboarded = Array.from({ length: 6 }, (_, i) => ({ id: `n${i}`, title: `n${i}`, genres: [], tags: [], vector: Float32Array.of(100 + i) }));
    await index.upsert([...trained, ...onboarded]);
    const model = { factors: 1, foldIn: () => Float32Array.of(1) } as unknown as FactorRecommender;
    const isOnboarded = (id: string) => id.startsWith("n");
    const ids = async (scorer: IndexScorer, k: number) => (await scorer.retrieve([], k, { excludeIds: ["t9"] })).map((s) => s.item.id);
    expect(await ids(new IndexScorer(model, index), 8)).toEqual(["n5", "n4", "n3", "n2", "n1", "n0", "t8", "t7"]);
    const bounded = new IndexScorer(model, index, { maxShare: 0.25, isOnboarded });
    expect(await ids(bounded, 8)).toEqual(["n5", "n4", "t8", "t7", "t6", "t5", "t4", "t3"]);
    // Fewer trained items than the free slots: the list is shorter, never padded with more onboarded ones.
    expect(await ids(bounded, 20)).toEqual(["n5", "n4", "n3", "n2", "n1", "t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1", "t0"]);
  });
});
