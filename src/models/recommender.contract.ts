import { describe, expect, it } from "vitest";
import { twoClusters } from "./fixtures.ts";
import { recommend } from "./recommend.ts";
import { type FactorRecommender, isFactorRecommender, type Recommender } from "./recommender.ts";
import type { ModelSpec } from "./spec.ts";
import { resolveParams } from "./spec.ts";

export interface ContractOptions {
  /** Parameters that make the model work on a 7-user fixture (small k, few factors...). */
  params?: Record<string, number>;
  /** Popularity cannot tell the clusters apart; everything else must. */
  personalised?: boolean;
  /** The fixture lists each user's items in an order a next-item model can learn (twoClusters' nextItemOrder). */
  nextItemOrder?: boolean;
}

/** The contract every Recommender keeps; each model's test file calls this once. */
export function describeRecommenderContract(spec: ModelSpec<Recommender>, opts: ContractOptions = {}): void {
  const personalised = opts.personalised ?? true;
  const fitted = async () => {
    const { data, missing } = twoClusters({ nextItemOrder: opts.nextItemOrder });
    const model = spec.create(resolveParams(spec, opts.params));
    await model.fit(data);
    return { model, data, missing };
  };
  const allUsers = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

  describe(`${spec.name}: Recommender contract`, () => {
    it("scores every item of every user with finite numbers", async () => {
      const { model, data } = await fitted();
      expect(model.itemCount).toBe(data.itemCount);
      const out = new Float32Array(data.userCount * data.itemCount);
      model.scoreUsers(allUsers(data.userCount), out);
      expect(out.every(Number.isFinite)).toBe(true);
    });

    it("never recommends an item the user already has", async () => {
      const { model, data } = await fitted();
      const top = recommend(model, allUsers(data.userCount), data.itemCount, data.matrix);
      for (let u = 0; u < data.userCount; u++) {
        const seen = new Set(data.matrix.indices.subarray(data.matrix.indptr[u], data.matrix.indptr[u + 1]));
        const got = Array.from(top.ids.subarray(u * top.k, (u + 1) * top.k)).filter((i) => i >= 0);
        expect(got.some((i) => seen.has(i))).toBe(false);
        expect(got.length).toBe(data.itemCount - seen.size);
      }
    });

    if (personalised) {
      it("puts each user's missing cluster item first", async () => {
        const { model, missing } = await fitted();
        const users = Int32Array.from(missing.keys());
        const { data } = twoClusters({ nextItemOrder: opts.nextItemOrder });
        const top = recommend(model, users, 1, data.matrix);
        expect(Array.from(top.ids)).toEqual(Array.from(missing.values()));
      });

      it("folds in an unseen history and ranks like a known user", async () => {
        const { model, data, missing } = await fitted();
        const out = new Float32Array(data.itemCount);
        for (const [user, item] of missing) {
          const history = Array.from(data.matrix.indices.subarray(data.matrix.indptr[user], data.matrix.indptr[user + 1]), (i) => ({ item: i, weight: 1 }));
          model.scoreHistory(history, out);
          for (const h of history) out[h.item] = -Infinity;
          expect(argmax(out)).toBe(item);
        }
      });

      it("finds items of the same cluster most similar", async () => {
        const { model, data } = await fitted();
        const out = new Float32Array(data.itemCount);
        const i0 = data.items.get("i0")!;
        model.scoreSimilar(i0, out);
        out[i0] = -Infinity;
        expect(["i1", "i2"]).toContain(data.items.id(argmax(out)));
      });
    }

    it("comes back from its artifact with identical scores", async () => {
      const { model, data } = await fitted();
      const copy = spec.restore(structuredClone(model.toArtifact()));
      const a = new Float32Array(data.userCount * data.itemCount);
      const b = new Float32Array(data.userCount * data.itemCount);
      model.scoreUsers(allUsers(data.userCount), a);
      copy.scoreUsers(allUsers(data.userCount), b);
      expect(Array.from(b)).toEqual(Array.from(a));
      const history = [{ item: 0, weight: 1 }, { item: 4, weight: 2 }];
      const ha = new Float32Array(data.itemCount);
      const hb = new Float32Array(data.itemCount);
      model.scoreHistory(history, ha);
      copy.scoreHistory(history, hb);
      expect(Array.from(hb)).toEqual(Array.from(ha));
    });

    it("is deterministic for the same parameters", async () => {
      const one = await fitted();
      const two = await fitted();
      const a = new Float32Array(one.data.userCount * one.data.itemCount);
      const b = new Float32Array(a.length);
      one.model.scoreUsers(allUsers(one.data.userCount), a);
      two.model.scoreUsers(allUsers(two.data.userCount), b);
      expect(Array.from(b)).toEqual(Array.from(a));
    });

    it("accepts an empty fold-in history", async () => {
      const { model, data } = await fitted();
      const out = new Float32Array(data.itemCount);
      model.scoreHistory([], out);
      expect(out.every(Number.isFinite)).toBe(true);
    });
  });

  describe(`${spec.name}: factor models expose vectors consistent with their scores`, () => {
    it("scores equal foldIn . itemVectors when the model is a FactorRecommender", async () => {
      const { model, data } = await fitted();
      if (!isFactorRecommender(model)) return;
      const f: FactorRecommender = model;
      const history = [{ item: 0, weight: 1 }, { item: 1, weight: 1 }];
      const u = f.foldIn(history);
      const v = f.itemVectors();
      expect(u.length).toBe(f.factors);
      expect(v.length).toBe(data.itemCount * f.factors);
      const out = new Float32Array(data.itemCount);
      f.scoreHistory(history, out);
      for (let i = 0; i < data.itemCount; i++) {
        let dot = 0;
        for (let d = 0; d < f.factors; d++) dot += u[d] * v[i * f.factors + d];
        expect(out[i]).toBeCloseTo(dot, 4);
      }
    });
  });
}

function argmax(xs: Float32Array): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}
