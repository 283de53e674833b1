import { describe, expect, it } from "vitest";
import { CostBook, planSearch } from "./plan.ts";
import { AUTO_MODELS, SPACES } from "./space.ts";

// ml-latest-small's validation train, as dataShape measures it.
const costs = new CostBook({ users: 610, items: 7165, nnz: 64_960, rowPairs: 25_036_860, colPairs: 3_190_430 }, [150, 302, 610]);
const contenders = ["ease", "als", "userknn"];
const plan = (budget: number) => planSearch(costs, AUTO_MODELS, contenders, budget, (m) => SPACES[m].maxConfigs);

describe("planSearch", () => {
  it("gives every probed model its defaults, whatever the budget, and nothing more on a tiny one", () => {
    const tiny = plan(1);
    expect(tiny.configs).toEqual({ pop: 1, itemknn: 1, userknn: 1, ease: 1, als: 1 });
    expect([tiny.refine, tiny.blend]).toEqual([false, false]);
  });

  it("is a function of its inputs: the same plan every time", () => {
    expect(plan(90)).toEqual(plan(90));
  });

  it("spends more of a larger budget without passing it, only on contenders, refinement and blend once affordable", () => {
    let spent = 0;
    for (const budget of [60, 90, 120, 240]) {
      const p = plan(budget);
      expect(p.estimatedSeconds).toBeLessThanOrEqual(budget);
      expect(p.estimatedSeconds).toBeGreaterThanOrEqual(spent);
      spent = p.estimatedSeconds;
      expect([p.configs.pop, p.configs.itemknn]).toEqual([1, 1]);
    }
    const large = plan(240);
    expect([large.refine, large.blend]).toEqual([true, true]);
    for (const model of contenders) expect(large.configs[model]).toBeGreaterThanOrEqual(3);
  });

  it("stops at each space's size", () => {
    const p = planSearch(costs, AUTO_MODELS, contenders, 1e6, (m) => SPACES[m].maxConfigs);
    expect(p.configs).toMatchObject({ ease: SPACES.ease.maxConfigs, als: SPACES.als.maxConfigs, userknn: SPACES.userknn.maxConfigs });
  });

  it("prices each configuration's rungs: more configurations cost more, the probe's rung 0 is not counted twice", () => {
    expect(costs.halving("ease", 9)).toBeGreaterThan(costs.halving("ease", 3));
    // One configuration: after its probe it goes straight to the final rung; EASE's fit is kept across rungs.
    expect(costs.halving("ease", 1)).toBeCloseTo(610 * costs.at("ease", 2).perUserFoldIn, 9);
    // Three: two fresh ones in rung 0 (fitted, two recency settings each); the one left skips rung 1.
    const c = [0, 1, 2].map((r) => costs.at("ease", r));
    expect(costs.halving("ease", 3)).toBeCloseTo(2 * (c[0].fit + 150 * 2 * c[0].perUserFoldIn) + 610 * c[2].perUserFoldIn, 9);
    // Four: three fresh in rung 0, two in rung 1, one in rung 2.
    expect(costs.halving("ease", 4)).toBeCloseTo(3 * (c[0].fit + 150 * 2 * c[0].perUserFoldIn) + 2 * 302 * c[1].perUserFoldIn + 610 * c[2].perUserFoldIn, 9);
  });
});
