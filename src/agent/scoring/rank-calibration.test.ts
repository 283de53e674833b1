import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../numeric/random.ts";
import { placeByRank, RankCalibration } from "./rank-calibration.ts";

const descending = (values: number[]) => Float32Array.from([...values].sort((a, b) => b - a));
const above = (values: ArrayLike<number>, s: number) => Array.from(values).filter((v) => v > s).length;

describe("placeByRank", () => {
  it("gives a score that as many model scores beat as space scores beat the space score", () => {
    const next = mulberry32(7);
    const space = descending(Array.from({ length: 200 }, () => next() * 4 - 2));
    // Shaped nothing like the space: a few large values over a mass of small ones, as item-kNN's.
    const model = descending(Array.from({ length: 200 }, (_, i) => (i < 10 ? 20 + next() * 30 : next() * 0.1)));
    for (let t = 0; t < 500; t++) {
      const s = next() * 5 - 2.5;
      expect(above(model, placeByRank(s, space, model))).toBe(above(space, s));
    }
  });

  it("keeps onboarded items in their space order, above the best and below the matched depth too", () => {
    const space = Float32Array.of(3, 2, 1);
    const model = Float32Array.of(30, 10, 0);
    const placed = [5, 3, 2.5, 2, 1.5, 1, 0, -4].map((s) => placeByRank(s, space, model));
    for (let i = 1; i < placed.length; i++) expect(placed[i]).toBeLessThan(placed[i - 1]);
    expect(placeByRank(2.5, space, model)).toBe(20);
    expect(placeByRank(4, space, model)).toBe(45);
    expect(placeByRank(0, space, model)).toBe(-15);
  });
});

describe("RankCalibration", () => {
  it("ranks an onboarded vector among the model's trained items where the space ranks it", () => {
    const next = mulberry32(3);
    const f = 4;
    const n = 300;
    const items = Float32Array.from({ length: n * f }, () => next() - 0.5);
    const user = Float32Array.of(1, -0.5, 0.25, 2);
    const spaceScore = (v: ArrayLike<number>, o = 0) => Array.from({ length: f }, (_, d) => user[d] * v[o + d]).reduce((a, b) => a + b, 0);
    const spaceScores = Array.from({ length: n }, (_, i) => spaceScore(items, i * f));
    // The model agrees with the space on the order but not on the scale: exponential, and zero below the median.
    const median = [...spaceScores].sort((a, b) => a - b)[n / 2];
    const model = Float32Array.from(spaceScores, (s) => (s > median ? Math.exp(4 * s) : 0));
    const toModel = new RankCalibration(items, f).mapper(user, model, n);
    for (let t = 0; t < 50; t++) {
      const v = Float32Array.from({ length: f }, () => next() - 0.5);
      const s = spaceScore(v);
      if (s <= median) continue;
      expect(above(model, toModel(s))).toBe(above(spaceScores, s));
    }
  });
});
