import { describe, expect, it } from "vitest";
import { genreDiversity, longTailShare, novelty, shortHead } from "./beyond.ts";

describe("beyond-accuracy measures", () => {
  const popularity = Float64Array.from([8, 4, 2, 1, 1]);

  it("novelty is the mean self-information of recommended items", () => {
    // 8 users: item 0 is seen by all (0 bits), item 2 by a quarter (2 bits); -1 padding is ignored.
    expect(novelty([[0, 2], [2, -1]], popularity, 8)).toBeCloseTo((0 + 2 + 2) / 3, 12);
  });

  it("the short head holds half of the interactions; the rest is the tail", () => {
    // Total 16: item 0 alone holds 8 = 50%.
    expect([...shortHead(popularity)]).toEqual([0]);
    expect(longTailShare([[0, 1], [3, -1]], shortHead(popularity))).toBeCloseTo(2 / 3, 12);
  });

  it("genre diversity is the mean pairwise Jaccard distance per list", () => {
    const genres = [new Set(["a"]), new Set(["a", "b"]), new Set(["c"])];
    // Pairs: (0,1) 1 - 1/2, (0,2) 1, (1,2) 1 -> mean 5/6; a one-item list is skipped.
    expect(genreDiversity([[0, 1, 2], [1]], (i) => genres[i])).toBeCloseTo(5 / 6, 12);
  });
});
