import { describe, expect, it } from "vitest";
import type { InteractionRow } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import { mulberry32 } from "../numeric/random.ts";
import { gaussJordanInverse } from "../numeric/spd-inverse.ts";
import { EASE_MAX_DENSE, easeSpec } from "./ease.ts";
import { describeRecommenderContract } from "./recommender.contract.ts";

describeRecommenderContract(easeSpec, { params: { lambda: 1 } });

function randomInteractions(users: number, items: number, seed: number): Interactions {
  const next = mulberry32(seed);
  const rows: InteractionRow[] = [];
  for (let i = 0; i < items; i++) rows.push({ user: `u${i % users}`, item: `i${i}`, value: 1, timestamp: rows.length });
  for (let u = 0; u < users; u++) for (let i = 0; i < items; i++) if (next() < 0.3) rows.push({ user: `u${u}`, item: `i${i}`, value: 1, timestamp: rows.length });
  return Interactions.fromRows(rows);
}

/** The item-side closed form computed naively: B = I - P / diag(P), P = (X^T X + lambda I)^{-1}, diag(B) = 0. */
function naiveB(data: Interactions, lambda: number): Float64Array {
  const n = data.itemCount;
  const x = data.matrix;
  const g = new Float64Array(n * n);
  for (let u = 0; u < x.rows; u++) {
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) for (let q = x.indptr[u]; q < x.indptr[u + 1]; q++) g[x.indices[p] * n + x.indices[q]] += 1;
  }
  for (let j = 0; j < n; j++) g[j * n + j] += lambda;
  const p = gaussJordanInverse(g, n);
  return Float64Array.from(p, (v, at) => (at % n === Math.floor(at / n) ? 0 : -v / p[(at % n) * n + (at % n)]));
}

function naiveScores(b: Float64Array, n: number, history: Array<{ item: number; weight: number }>): number[] {
  return Array.from({ length: n }, (_, j) => history.reduce((s, h) => s + h.weight * b[h.item * n + j], 0));
}

describe("ease", () => {
  // 4 users x 9 items takes the Woodbury (user-side) path; 12 x 5 the direct item-side inverse.
  it.each([
    [4, 9],
    [12, 5],
  ])("equals the naive item-side closed form with %i users and %i items", async (users, items) => {
    const data = randomInteractions(users, items, users * items);
    const lambda = 3;
    const m = easeSpec.create({ lambda });
    await m.fit(data);
    const b = naiveB(data, lambda);
    const all = new Float32Array(users * items);
    m.scoreUsers(Int32Array.from({ length: users }, (_, u) => u), all);
    for (let u = 0; u < users; u++) {
      const history = Array.from(data.matrix.indices.subarray(data.matrix.indptr[u], data.matrix.indptr[u + 1]), (item) => ({ item, weight: 1 }));
      const expected = naiveScores(b, items, history);
      for (let j = 0; j < items; j++) expect(all[u * items + j]).toBeCloseTo(expected[j], 5);
    }
    const weighted = [{ item: 0, weight: 2 }, { item: items - 1, weight: 0.5 }];
    const out = new Float32Array(items);
    m.scoreHistory(weighted, out);
    naiveScores(b, items, weighted).forEach((v, j) => expect(out[j]).toBeCloseTo(v, 5));
    m.scoreSimilar(1, out);
    naiveScores(b, items, [{ item: 1, weight: 1 }]).forEach((v, j) => expect(out[j]).toBeCloseTo(v, 5));
  });

  it("refuses a problem larger than the dense inverse it supports, naming the limit", async () => {
    const side = EASE_MAX_DENSE + 1;
    const rows: InteractionRow[] = Array.from({ length: side }, (_, t) => ({ user: `u${t}`, item: `i${t}`, value: 1, timestamp: t }));
    const m = easeSpec.create({ lambda: 250 });
    await expect(m.fit(Interactions.fromRows(rows))).rejects.toThrow(new RegExp(`${side}.*${EASE_MAX_DENSE}`));
  });
});
