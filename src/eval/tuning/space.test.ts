import { describe, expect, it } from "vitest";
import { sasrecSpec } from "../../models/sasrec.ts";
import { resolveParams } from "../../models/spec.ts";
import { twoTowerSpec } from "../../models/twotower.ts";
import { mulberry32 } from "../../numeric/random.ts";
import { AUTO_MODELS, type DataShape, type ModelSpace, SPACES, sampleConfigs } from "./space.ts";

const oneDim: ModelSpace = { dims: { lambda: { log: [10, 10_000] } }, maxConfigs: 12, cost: () => ({ fit: 0, perUser: 0, perUserFoldIn: 0 }) };

describe("sampleConfigs", () => {
  it("puts one draw in each of `count` equal strata of the log range, overlaid on the base", () => {
    const configs = sampleConfigs(oneDim, { lambda: 250, other: 7 }, 6, mulberry32(1));
    expect(configs).toHaveLength(6);
    expect(configs.every((c) => c.other === 7)).toBe(true);
    // log10(lambda) spans [1, 4]: six strata of width 0.5, each hit exactly once.
    const strata = configs.map((c) => Math.floor((Math.log10(c.lambda) - 1) / 0.5)).sort();
    expect(strata).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("is deterministic for a seed and different for another", () => {
    const draw = (seed: number) => sampleConfigs(SPACES.als, { factors: 128, reg: 10, alpha: 0.25 }, 9, mulberry32(seed));
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });

  it("keeps every value inside its range: listed values, rounded integers, repeats dropped", () => {
    const als = sampleConfigs(SPACES.als, {}, 27, mulberry32(5));
    for (const c of als) {
      expect([32, 64, 128]).toContain(c.factors);
      expect(c.reg).toBeGreaterThanOrEqual(1);
      expect(c.reg).toBeLessThanOrEqual(300);
      expect(c.alpha).toBeGreaterThanOrEqual(0.05);
      expect(c.alpha).toBeLessThanOrEqual(50);
    }
    // k in [5, 500]: 40 strata collapse onto fewer distinct integers, each listed once.
    const knn = sampleConfigs(SPACES.itemknn, {}, 40, mulberry32(5));
    const ks = knn.map((c) => c.k);
    expect(new Set(ks).size).toBe(ks.length);
    expect(ks.every((k) => Number.isInteger(k) && k >= 5 && k <= 500)).toBe(true);
  });
});

describe("tuning spaces", () => {
  const shape = (users: number, items: number): DataShape => ({ users, items, nnz: users * 20, rowPairs: users * 400, colPairs: items * 400 });

  it("cover every model --model auto compares", () => {
    for (const model of AUTO_MODELS) expect(SPACES[model], model).toBeDefined();
  });

  it("EASE refuses beyond its dense limit, by name and number, and accepts below", () => {
    expect(SPACES.ease.refuses!(shape(5000, 9000))).toMatch(/min\(users, items\) = 5000 is above EASE's dense limit 4000/);
    expect(SPACES.ease.refuses!(shape(600, 9000))).toBeUndefined();
  });

  it("estimate costs that grow with the work: ALS with factors and iterations, EASE with the smaller side cubed", () => {
    const s = shape(1000, 5000);
    const als = (factors: number, iterations: number) => SPACES.als.cost(s, { factors, iterations, cg_steps: 3 });
    expect(als(128, 15).fit).toBeGreaterThan(als(64, 15).fit);
    expect(als(128, 15).fit).toBeCloseTo(3 * als(128, 5).fit, 9);
    expect(als(128, 15).perUserFoldIn).toBeGreaterThan(als(128, 15).perUser);
    expect(SPACES.ease.cost(shape(2000, 5000), {}).fit / SPACES.ease.cost(shape(1000, 5000), {}).fit).toBeGreaterThan(7);
  });

  it("scale ALS's iterations with fidelity, never below one", () => {
    expect(SPACES.als.atFidelity!({ iterations: 15, reg: 3 }, 1 / 3)).toEqual({ iterations: 5, reg: 3 });
    expect(SPACES.als.atFidelity!({ iterations: 1 }, 0.1).iterations).toBe(1);
  });

  it("train the neural models a fixed share of their search epochs, early stopping off, and cost them by it", () => {
    const twotower = resolveParams(twoTowerSpec, {});
    const third = SPACES.twotower.atFidelity!(twotower, 1 / 3);
    expect(third).toMatchObject({ validate: 0, epochs: 7, temperature: twotower.temperature });
    expect(SPACES.twotower.atFidelity!(twotower, 1).epochs).toBe(20);
    const sasrec = resolveParams(sasrecSpec, {});
    expect(SPACES.sasrec.atFidelity!(sasrec, 1)).toMatchObject({ patience: 0, epochs: 150 });
    const s = shape(600, 9000);
    expect(SPACES.twotower.cost(s, SPACES.twotower.atFidelity!(twotower, 1)).fit).toBeCloseTo((20 / 7) * SPACES.twotower.cost(s, third).fit, 6);
    expect(SPACES.sasrec.cost(s, { ...sasrec, hidden: 64 }).fit).toBeGreaterThan(SPACES.sasrec.cost(s, sasrec).fit);
  });
});
