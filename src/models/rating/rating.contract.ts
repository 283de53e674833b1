import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.ts";
import type { InteractionRow } from "../../core/types.ts";
import { Interactions } from "../../data/interactions.ts";
import { mulberry32 } from "../../numeric/random.ts";
import type { RatingModel } from "../recommender.ts";
import { type ModelSpec, resolveParams } from "../spec.ts";

/**
 * 40 users x 25 items, about 60% observed, ratings from user and item offsets plus a rank-2 taste model plus
 * noise, rounded to half stars in 0.5..5: biases explain part, factors the rest.
 */
export function lowRankRatings(): Interactions {
  const random = mulberry32(11);
  const symmetric = (scale: number) => scale * (random() * 2 - 1);
  const taste = (n: number) => Array.from({ length: n }, () => [symmetric(0.8), symmetric(1), symmetric(1)]);
  const users = taste(40);
  const items = taste(25);
  const rows: InteractionRow[] = [];
  users.forEach((a, u) =>
    items.forEach((b, i) => {
      if (random() > 0.6) return;
      const raw = 3 + a[0] + b[0] + 1.5 * (a[1] * b[1] + a[2] * b[2]) + symmetric(0.25);
      rows.push({ user: `u${u}`, item: `i${i}`, value: Math.min(5, Math.max(0.5, Math.round(raw * 2) / 2)), timestamp: rows.length });
    }),
  );
  return Interactions.fromRows(rows, "raw");
}

/** Root mean squared error of `model` over the ratings it was fitted on. */
export function trainRmse(model: RatingModel, data: Interactions): number {
  const m = data.matrix;
  let sum = 0;
  for (let u = 0; u < m.rows; u++) {
    for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) sum += (model.predict(u, m.indices[p]) - m.values[p]) ** 2;
  }
  return Math.sqrt(sum / m.values.length);
}

/** Every prediction of `model` over all pairs, unknown user and item (-1) included. */
function allPredictions(model: RatingModel, data: Interactions): number[] {
  const out: number[] = [];
  for (let u = -1; u < data.userCount; u++) for (let i = -1; i < data.itemCount; i++) out.push(model.predict(u, i));
  return out;
}

/**
 * The contract every rating model of this folder keeps; each model's test file calls this once. All carry
 * mu, userBias and itemBias in their artifact, and fall back to exactly those for an unknown id.
 */
export function describeRatingModelContract(spec: ModelSpec<RatingModel>, params: Record<string, number> = {}): void {
  const fitted = async (overrides: Record<string, number> = {}) => {
    const data = lowRankRatings();
    const model = spec.create(resolveParams(spec, { ...params, ...overrides }));
    await model.fit(data);
    return { model, data };
  };

  describe(`${spec.name}: rating model contract`, () => {
    it("predicts within the train rating scale for every pair, unknown ids included", async () => {
      const { model, data } = await fitted();
      const values = Array.from(data.matrix.values);
      const [min, max] = [Math.min(...values), Math.max(...values)];
      expect(allPredictions(model, data).every((x) => x >= min && x <= max)).toBe(true);
    });

    it("falls back to the global mean plus the known bias for an unknown user or item", async () => {
      const { model, data } = await fitted();
      const a = model.toArtifact();
      const mu = (a.meta as { mu: number }).mu;
      const values = Array.from(data.matrix.values);
      expect(mu).toBeCloseTo(values.reduce((s, x) => s + x, 0) / values.length, 6);
      expect(model.predict(-1, -1)).toBeCloseTo(mu, 6);
      expect(model.predict(-1, 3)).toBeCloseTo(mu + a.arrays.itemBias[3], 6);
      expect(model.predict(5, -1)).toBeCloseTo(mu + a.arrays.userBias[5], 6);
    });

    it("beats the global mean on its training ratings", async () => {
      const { model, data } = await fitted();
      const mean = model.predict(-1, -1);
      const constant: RatingModel = {
        name: "mean",
        params: {},
        fit: async () => {},
        predict: () => mean,
        toArtifact: () => ({ model: "mean", params: {}, meta: { mean }, arrays: {} }),
      };
      expect(trainRmse(model, data)).toBeLessThan(0.8 * trainRmse(constant, data));
    });

    it("is deterministic for the same parameters", async () => {
      const one = await fitted();
      const two = await fitted();
      expect(allPredictions(two.model, two.data)).toEqual(allPredictions(one.model, one.data));
    });

    it("comes back from its artifact with identical predictions", async () => {
      const { model, data } = await fitted();
      const copy = spec.restore(structuredClone(model.toArtifact()));
      expect(allPredictions(copy, data)).toEqual(allPredictions(model, data));
    });

    it("refuses to predict before fit", () => {
      const model = spec.create(resolveParams(spec, params));
      expect(() => model.predict(0, 0)).toThrow(AppError);
    });
  });
}

/** What SGD-trained models add: training error falls with epochs, and the seed matters. */
export function describeSgdContract(spec: ModelSpec<RatingModel>, params: Record<string, number> = {}): void {
  const fitted = async (overrides: Record<string, number>) => {
    const data = lowRankRatings();
    const model = spec.create(resolveParams(spec, { ...params, ...overrides }));
    await model.fit(data);
    return { model, data };
  };

  describe(`${spec.name}: SGD training`, () => {
    it("lowers the training error as epochs are added", async () => {
      const errors: number[] = [];
      for (const epochs of [1, 5, 20, 60]) {
        const { model, data } = await fitted({ epochs });
        errors.push(trainRmse(model, data));
      }
      for (let k = 1; k < errors.length; k++) expect(errors[k]).toBeLessThan(errors[k - 1]);
    });

    it("depends on the seed", async () => {
      const one = await fitted({ seed: 1 });
      const two = await fitted({ seed: 2 });
      expect(two.model.predict(0, 0)).not.toBe(one.model.predict(0, 0));
    });

    it("reports progress once per epoch", async () => {
      const model = spec.create(resolveParams(spec, { ...params, epochs: 3 }));
      const seen: string[] = [];
      await model.fit(lowRankRatings(), { onProgress: (done, total) => seen.push(`${done}/${total}`) });
      expect(seen).toEqual(["1/3", "2/3", "3/3"]);
    });
  });
}
