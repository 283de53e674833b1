import { describe, expect, it } from "vitest";
import type { Item, ItemWeight } from "../../core/types.ts";
import { Interactions } from "../../data/interactions.ts";
import { syntheticRows } from "../../eval/tuning/synthetic.ts";
import { compileFilter } from "../../index/filter.ts";
import type { Filter } from "../../index/types.ts";
import { alsSpec } from "../../models/als.ts";
import { easeSpec } from "../../models/ease.ts";
import type { FactorRecommender, Recommender } from "../../models/recommender.ts";
import { resolveParams } from "../../models/spec.ts";
import { solveSpd } from "../../numeric/cholesky.ts";
import { mulberry32 } from "../../numeric/random.ts";
import { memoryIndexOf } from "../assemble.ts";
import { ItemStore } from "../item-store.ts";
import { DenseScorer } from "./dense-scorer.ts";
import { IndexScorer } from "./index-scorer.ts";
import type { CandidateScorer } from "./types.ts";

/**
 * The serving fast path (low-rank fold-in, typed-column filters, exclusions at top-k time, dense scoring with
 * lazy filtering) against the plain reference: the user vector from the dense normal equations, every item
 * scored, the filter applied item by item, everything sorted.
 */
const ALS = { factors: 16, iterations: 8, reg: 0.5, alpha: 2 };
const GENRES = ["A", "B", "C", "D", "E", "F"];

async function fixture() {
  const data = Interactions.fromRows(syntheticRows({ users: 200, items: 400, eventsPerUser: 20, clusters: 8, drift: 0.3, values: "binary", seed: 9 }));
  const next = mulberry32(4);
  const ids = data.items.toArray();
  const items: Item[] = ids.map((id) => ({ id, title: id, genres: GENRES.filter(() => next() < 0.3), tags: [], ...(next() < 0.9 ? { year: 1980 + Math.floor(next() * 40) } : {}) }));
  const als = alsSpec.create(resolveParams(alsSpec, ALS)) as FactorRecommender;
  await als.fit(data);
  const ease = easeSpec.create({ lambda: 20 });
  await ease.fit(data);
  return { data, ids, items, als, ease, next };
}

/** The ALS user vector from scratch: A = sum over items of c_i y_i y_i^T + reg I, b = sum c_i y_i. */
function plainFoldIn(model: FactorRecommender, history: readonly ItemWeight[]): Float64Array {
  const f = model.factors;
  const y = model.itemVectors();
  const c = new Map<number, { w: number; r: number }>();
  for (const h of history) {
    const seen = c.get(h.item);
    c.set(h.item, { w: (seen?.w ?? 0) + h.weight, r: Math.max(seen?.r ?? 0, h.recency ?? 1) });
  }
  const a = new Float64Array(f * f);
  const b = new Float64Array(f);
  for (let i = 0; i < model.itemCount; i++) {
    const e = c.get(i);
    const ci = e ? (1 + ALS.alpha * e.w) * e.r : 1;
    for (let r = 0; r < f; r++) {
      if (e) b[r] += ci * y[i * f + r];
      for (let s = 0; s < f; s++) a[r * f + s] += ci * y[i * f + r] * y[i * f + s];
    }
  }
  for (let d = 0; d < f; d++) a[d * f + d] += ALS.reg;
  expect(solveSpd(a, b, f)).toBe(true);
  return b;
}

function randomRequest(next: () => number, ids: readonly string[]): { history: ItemWeight[]; k: number; filter: Filter } {
  const length = 1 + Math.floor(next() * 30);
  const history = Array.from({ length }, () => ({ item: Math.floor(next() * ids.length), weight: 1 + Math.floor(next() * 3), recency: next() < 0.5 ? 1 : 0.05 + 0.95 * next() }));
  const pick = () => GENRES.filter(() => next() < 0.25);
  const filter: Filter = { excludeIds: history.map((h) => ids[h.item]) };
  if (next() < 0.5) filter.genresAny = pick();
  if (next() < 0.3) filter.genresNone = pick();
  if (next() < 0.3) filter.yearMin = 1980 + Math.floor(next() * 30);
  if (next() < 0.3) filter.yearMax = 1990 + Math.floor(next() * 30);
  return { history, k: 1 + Math.floor(next() * 25), filter };
}

function plainTopK(scores: ArrayLike<number>, items: readonly Item[], filter: Filter, k: number): Array<{ id: string; score: number }> {
  const matches = compileFilter(filter);
  return items
    .map((item, i) => ({ id: item.id, score: scores[i], item }))
    .filter((x) => matches(x.item))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k)
    .map(({ id, score }) => ({ id, score }));
}

async function expectSameAsPlain(scorer: CandidateScorer, plainScores: (h: ItemWeight[]) => ArrayLike<number>, f: Awaited<ReturnType<typeof fixture>>): Promise<void> {
  for (let trial = 0; trial < 150; trial++) {
    const { history, k, filter } = randomRequest(f.next, f.ids);
    const scores = plainScores(history);
    const plain = plainTopK(scores, f.items, filter, k);
    const fast = await scorer.retrieve(history, k, filter);
    expect(fast.length).toBe(plain.length);
    const scoreOf = new Map(f.ids.map((id, i) => [id, scores[i]]));
    const matches = compileFilter(filter);
    fast.forEach((s, r) => {
      const tolerance = 1e-4 * (1 + Math.abs(plain[r].score));
      // Same score at every rank (ids may differ only between items whose scores tie within the tolerance).
      expect(Math.abs(s.score - plain[r].score)).toBeLessThanOrEqual(tolerance);
      expect(Math.abs(scoreOf.get(s.item.id)! - s.score)).toBeLessThanOrEqual(tolerance);
      expect(matches(s.item)).toBe(true);
    });
    expect(new Set(fast.map((s) => s.item.id)).size).toBe(fast.length);
  }
}

describe("serving fast path = plain reference", () => {
  it("factor model through the index: low-rank fold-in, typed filters, exclusions at top-k", async () => {
    const f = await fixture();
    const scorer = new IndexScorer(f.als, memoryIndexOf(f.als, f.items));
    const y = f.als.itemVectors();
    const dim = f.als.factors;
    await expectSameAsPlain(scorer, (h) => {
      const u = plainFoldIn(f.als, h);
      return f.ids.map((_, i) => y.subarray(i * dim, (i + 1) * dim).reduce((s, v, d) => s + v * u[d], 0));
    }, f);
  });

  it("item-item model through the dense scorer: the model's scores, lazy filtering", async () => {
    const f = await fixture();
    const scorer = new DenseScorer(f.ease as Recommender, f.als, f.ids, new ItemStore(f.items));
    await expectSameAsPlain(scorer, (h) => {
      const out = new Float32Array(f.ease.itemCount);
      f.ease.scoreHistory(h, out);
      return out;
    }, f);
  });
});
