import { describe, expect, it } from "vitest";
import { hitRate, mrr, ndcg, precision, recall } from "./metrics.ts";

// Relevant {2, 5, 9}; ranked list puts hits at ranks 2 and 4 (1-based).
const relevant = new Set([2, 5, 9]);
const ranked = [7, 5, 1, 2, 8];

describe("ranking metrics on a hand-computed case", () => {
  it("precision and recall count hits within k", () => {
    expect(precision(relevant, ranked, 5)).toBeCloseTo(2 / 5, 12);
    expect(recall(relevant, ranked, 5)).toBeCloseTo(2 / 3, 12);
    expect(precision(relevant, ranked, 3)).toBeCloseTo(1 / 3, 12);
    expect(recall(relevant, ranked, 3)).toBeCloseTo(1 / 3, 12);
  });

  it("ndcg discounts by log2(rank + 1) against min(|relevant|, k) ideal hits", () => {
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
    const ideal = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcg(relevant, ranked, 5)).toBeCloseTo(dcg / ideal, 12);
    // k = 2: one hit at rank 2, ideal two hits.
    expect(ndcg(relevant, ranked, 2)).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
  });

  it("hit rate and mrr look at the first hit", () => {
    expect(hitRate(relevant, ranked, 1)).toBe(0);
    expect(hitRate(relevant, ranked, 2)).toBe(1);
    expect(mrr(relevant, ranked, 5)).toBe(0.5);
    expect(mrr(relevant, ranked, 1)).toBe(0);
  });

  it("a perfect list scores 1 and an empty list 0", () => {
    expect(ndcg(relevant, [9, 5, 2], 10)).toBeCloseTo(1, 12);
    expect(ndcg(relevant, [], 10)).toBe(0);
    expect(recall(new Set(), [1], 10)).toBe(0);
  });

  it("precision keeps k as denominator when the list is shorter than k", () => {
    expect(precision(relevant, [2], 10)).toBeCloseTo(0.1, 12);
  });
});
