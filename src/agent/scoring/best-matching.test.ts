import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../numeric/random.ts";
import { bestMatching } from "./best-matching.ts";

/** The plain reference: every accepted position, sorted by score then position. */
function reference(scores: Float32Array, k: number, accept: (p: number) => boolean): number[] {
  return Array.from(scores.keys())
    .filter((p) => scores[p] > -Infinity && accept(p))
    .sort((a, b) => scores[b] - scores[a] || a - b)
    .slice(0, k);
}

describe("bestMatching", () => {
  it("equals the sort-everything reference for filters from none to nearly all rejected", () => {
    const next = mulberry32(3);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(next() * 300);
      // Coarse scores make ties common; some are excluded (-Infinity).
      const scores = Float32Array.from({ length: n }, () => (next() < 0.05 ? -Infinity : Math.floor(next() * 20)));
      const keep = next();
      const accepted = new Set(Array.from({ length: n }, (_, p) => p).filter(() => next() < keep));
      const k = 1 + Math.floor(next() * 30);
      expect(bestMatching(scores, k, (p) => accepted.has(p), 1 + Math.floor(next() * 8))).toEqual(reference(scores, k, (p) => accepted.has(p)));
    }
  });
});
