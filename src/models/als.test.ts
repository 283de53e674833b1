import { describe, expect, it } from "vitest";
import type { InteractionRow } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import { solveSpd } from "../numeric/cholesky.ts";
import { mulberry32 } from "../numeric/random.ts";
import { relativeError } from "../numeric/test-helpers.ts";
import { AlsRecommender, alsSpec } from "./als.ts";
import { describeRecommenderContract } from "./recommender.contract.ts";
import type { ModelSpec } from "./spec.ts";
import { resolveParams } from "./spec.ts";

const FIXTURE_PARAMS = { factors: 4, reg: 0.1, alpha: 10, iterations: 20 };

describeRecommenderContract(alsSpec, { params: FIXTURE_PARAMS });

// The TypeScript kernels are the fallback on runtimes without WebAssembly; they keep the same contract.
const alsTypeScriptSpec: ModelSpec<AlsRecommender> = {
  ...alsSpec,
  name: "als (typescript kernels)",
  create: (params) => new AlsRecommender(params, { kernels: "js" }),
  restore: (artifact) => AlsRecommender.restore(artifact, { kernels: "js" }),
};
describeRecommenderContract(alsTypeScriptSpec, { params: FIXTURE_PARAMS });

/** A random user x item matrix with about `perUser` binary interactions per user. */
function randomInteractions(users: number, items: number, perUser: number, seed: number): Interactions {
  const next = mulberry32(seed);
  const rows: InteractionRow[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      // Skewed towards low item ids, like real popularity.
      if (next() < (perUser / items) * 2 * (1 - i / items)) rows.push({ user: `u${u}`, item: `i${i}`, value: 1, timestamp: 0 });
    }
  }
  return Interactions.fromRows(rows);
}

async function fitted(data: Interactions, overrides: Record<string, number>, kernels: "auto" | "js" = "auto") {
  const model = new AlsRecommender(resolveParams(alsSpec, overrides), { kernels });
  await model.fit(data);
  return model;
}

/** The objective ALS minimises: sum over all (u, i) of c_ui (p_ui - x_u.y_i)^2 + reg (|X|^2 + |Y|^2). */
function alsLoss(model: AlsRecommender, data: Interactions): number {
  const { users, items } = model.factorMatrices();
  const { factors: f, params } = model;
  let loss = 0;
  for (let u = 0; u < data.userCount; u++) {
    const observed = new Map<number, number>();
    for (let e = data.matrix.indptr[u]; e < data.matrix.indptr[u + 1]; e++) observed.set(data.matrix.indices[e], data.matrix.values[e]);
    for (let i = 0; i < data.itemCount; i++) {
      let s = 0;
      for (let d = 0; d < f; d++) s += users[u * f + d] * items[i * f + d];
      const value = observed.get(i);
      loss += value === undefined ? s * s : (1 + params.alpha * value) * (1 - s) ** 2;
    }
  }
  let norms = 0;
  for (const x of users) norms += x * x;
  for (const y of items) norms += y * y;
  return loss + params.reg * norms;
}

describe("als", () => {
  const data = randomInteractions(60, 40, 8, 5);

  it("lowers its loss with every iteration", async () => {
    const losses: number[] = [];
    for (let iterations = 1; iterations <= 6; iterations++) {
      losses.push(alsLoss(await fitted(data, { factors: 8, reg: 0.5, alpha: 4, iterations }), data));
    }
    for (let k = 1; k < losses.length; k++) expect(losses[k]).toBeLessThan(losses[k - 1]);
  });

  it("fits the same model with WebAssembly and TypeScript kernels (up to float32 rounding)", async () => {
    // Three CG steps from a warm start are far from converged, so rounding differences (float32 sums in wasm,
    // float64 scalars in TypeScript) grow over sweeps to about 1e-3 of the factors; the loss barely moves.
    const params = { factors: 6, reg: 0.5, alpha: 4, iterations: 5 };
    const wasm = await fitted(data, params, "auto");
    const ts = await fitted(data, params, "js");
    expect(relativeError(wasm.factorMatrices().users, ts.factorMatrices().users)).toBeLessThan(1e-2);
    expect(relativeError(wasm.factorMatrices().items, ts.factorMatrices().items)).toBeLessThan(1e-2);
    expect(alsLoss(wasm, data) / alsLoss(ts, data)).toBeCloseTo(1, 3);
  });

  it.each([
    ["without recency", undefined],
    ["with recency factors scaling each event's confidence", [0.5, 0.25, 1]],
  ])("folds in the exact solution of the normal equations, repeated items summed (%s)", async (_, recency) => {
    const model = await fitted(data, { factors: 5, reg: 0.7, alpha: 3, iterations: 3 });
    const history = [{ item: 2, weight: 1 }, { item: 7, weight: 2 }, { item: 2, weight: 0.5 }].map((h, t) => (recency ? { ...h, recency: recency[t] } : h));
    // Dense normal equations from scratch: A = sum over all items of c_i y_i y_i^T + reg I, b = sum c_i p_i y_i,
    // with c_i = (1 + alpha w_i) r_i and r_i the recency of the item's newest event.
    const { items } = model.factorMatrices();
    const f = 5;
    const weight = new Map([[2, 1.5], [7, 2]]);
    const recencyOf = new Map(recency ? [[2, 1], [7, 0.25]] : [[2, 1], [7, 1]]);
    const a = new Float64Array(f * f);
    const b = new Float64Array(f);
    for (let i = 0; i < model.itemCount; i++) {
      const w = weight.get(i);
      const c = w === undefined ? 1 : (1 + 3 * w) * recencyOf.get(i)!;
      for (let r = 0; r < f; r++) {
        if (w !== undefined) b[r] += c * items[i * f + r];
        for (let s = 0; s < f; s++) a[r * f + s] += c * items[i * f + r] * items[i * f + s];
      }
    }
    for (let d = 0; d < f; d++) a[d * f + d] += 0.7;
    expect(solveSpd(a, b, f)).toBe(true);
    const got = model.foldIn(history);
    for (let d = 0; d < f; d++) expect(got[d]).toBeCloseTo(b[d], 4);
  });

  it("folds in short and long histories (low-rank and direct solves) to the normal equations' solution", async () => {
    const f = 8;
    const model = await fitted(data, { factors: f, reg: 0.3, alpha: 2, iterations: 5 });
    const { items } = model.factorMatrices();
    const next = mulberry32(5);
    for (const length of [1, 3, 4, 5, 8, data.itemCount]) {
      const chosen = Array.from({ length: data.itemCount }, (_, i) => i).sort(() => next() - 0.5).slice(0, length);
      // Recency below 1/(1 + alpha w) makes c_i - 1 negative: the low-rank system is then indefinite.
      const history = chosen.map((item) => ({ item, weight: 1 + Math.floor(next() * 3), recency: next() < 0.5 ? 1 : 0.05 + 0.9 * next() }));
      const a = new Float64Array(f * f);
      const b = new Float64Array(f);
      const c = new Map(history.map((h) => [h.item, (1 + 2 * h.weight) * h.recency]));
      for (let i = 0; i < model.itemCount; i++) {
        const ci = c.get(i) ?? 1;
        for (let r = 0; r < f; r++) {
          if (c.has(i)) b[r] += ci * items[i * f + r];
          for (let s = 0; s < f; s++) a[r * f + s] += ci * items[i * f + r] * items[i * f + s];
        }
      }
      for (let d = 0; d < f; d++) a[d * f + d] += 0.3;
      expect(solveSpd(a, b, f)).toBe(true);
      const got = model.foldIn(history);
      for (let d = 0; d < f; d++) expect(got[d]).toBeCloseTo(b[d], 4);
    }
  });

  it("folds a known user's history in close to the vector a converged training gave it", async () => {
    const model = await fitted(data, { factors: 6, reg: 0.5, alpha: 4, iterations: 60, cg_steps: 6 });
    const { users } = model.factorMatrices();
    const u = 3;
    const history = Array.from(data.matrix.indices.subarray(data.matrix.indptr[u], data.matrix.indptr[u + 1]), (item) => ({ item, weight: 1 }));
    const folded = model.foldIn(history);
    for (let d = 0; d < 6; d++) expect(folded[d]).toBeCloseTo(users[u * 6 + d], 2);
  });

  it("places an item from its users' evidence where a converged training put it (ALS's item step)", async () => {
    const model = await fitted(data, { factors: 6, reg: 0.5, alpha: 4, iterations: 60, cg_steps: 6 });
    const { users, items } = model.factorMatrices();
    const i = 2;
    const evidence = model.itemEvidence();
    for (let e = data.byItem.indptr[i]; e < data.byItem.indptr[i + 1]; e++) {
      const u = data.byItem.indices[e];
      // Weight 1 in two halves: confidence sums over a user's interactions, the 1 of c = 1 + alpha w counts once.
      evidence.add(users.subarray(u * 6, (u + 1) * 6), 0.5, true);
      evidence.add(users.subarray(u * 6, (u + 1) * 6), 0.5, false);
    }
    const placed = evidence.solve();
    for (let d = 0; d < 6; d++) expect(placed[d]).toBeCloseTo(items[i * 6 + d], 2);
  });

  it("places an item nobody interacted with at zero, and rejects a user vector of the wrong size", async () => {
    const model = await fitted(data, { factors: 4, iterations: 2 });
    expect(Array.from(model.itemEvidence().solve())).toEqual([0, 0, 0, 0]);
    expect(() => model.itemEvidence().add(new Float32Array(3), 1, true)).toThrow(/3 factors, the model 4/);
  });

  it("rejects history items outside the catalogue", async () => {
    const model = await fitted(data, { factors: 4, iterations: 1 });
    expect(() => model.foldIn([{ item: data.itemCount, weight: 1 }])).toThrow(/outside/);
  });

  it("says which kernels it ran on", async () => {
    expect((await fitted(data, { factors: 4, iterations: 1 })).kernelsUsed).toMatch(/^wasm-simd, \d threads?$/);
    expect((await fitted(data, { factors: 4, iterations: 1 }, "js")).kernelsUsed).toBe("typescript (requested)");
  });
});
