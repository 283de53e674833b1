import { expect, it } from "vitest";
import { ndcg } from "../../eval/metrics.ts";
import { mulberry32 } from "../../numeric/random.ts";
import { topKReference } from "../../numeric/topk.ts";
import { ndcgAt10 } from "./validation-ndcg.ts";

it("equals the eval suite's NDCG@10 over a full sort, ties and left-out items included", () => {
  const next = mulberry32(3);
  for (let trial = 0; trial < 50; trial++) {
    // Scores on a coarse grid so that ties are common; a few items left out.
    const scores = Float32Array.from({ length: 40 }, () => (next() < 0.1 ? -Infinity : Math.floor(next() * 8)));
    const relevant = new Set(Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.floor(next() * 40)));
    const ranked = topKReference(scores, 10).ids;
    expect(ndcgAt10(scores, relevant)).toBeCloseTo(ndcg(relevant, ranked, 10), 12);
  }
});
