import { describe, expect, it } from "vitest";
import type { InteractionRow } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import { mulberry32 } from "../numeric/random.ts";
import { itemKnnSpec } from "./itemknn.ts";
import { describeRecommenderContract } from "./recommender.contract.ts";

describeRecommenderContract(itemKnnSpec, { params: { k: 2 } });

function interactions(history: Record<string, string[]>): Interactions {
  const rows: InteractionRow[] = [];
  for (const [user, items] of Object.entries(history)) for (const item of items) rows.push({ user, item, value: 1, timestamp: rows.length });
  return Interactions.fromRows(rows);
}

async function fitted(data: Interactions, k: number) {
  const m = itemKnnSpec.create({ k });
  await m.fit(data);
  return m;
}

function similar(m: Awaited<ReturnType<typeof fitted>>, item: number): number[] {
  const out = new Float32Array(m.itemCount);
  m.scoreSimilar(item, out);
  return Array.from(out);
}

/** reference_p1.py's itemknn, dense and in float32 as numpy does it. */
function referenceSimilarity(data: Interactions, k: number): Float32Array[] {
  const n = data.itemCount;
  const cols = Array.from({ length: n }, (_, i) => new Set(data.byItem.indices.subarray(data.byItem.indptr[i], data.byItem.indptr[i + 1])));
  const norms = cols.map((c) => Math.fround(Math.fround(Math.sqrt(c.size)) + Math.fround(1e-9)));
  return cols.map((ci, i) => {
    const row = Float32Array.from(cols, (cj, j) => {
      if (i === j) return 0;
      const both = [...ci].filter((u) => cj.has(u)).length;
      return Math.fround(both / Math.fround(norms[i] * norms[j]));
    });
    if (k < n) {
      const threshold = Array.from(row).sort((a, b) => b - a)[k];
      for (let j = 0; j < n; j++) if (row[j] < threshold) row[j] = 0;
    }
    return row;
  });
}

describe("itemknn", () => {
  // u0 {a, b}, u1 {a, b, c}, u2 {c, d}: cos(a, b) = 1, cos(a, c) = cos(b, c) = 1/2, cos(c, d) = 1/sqrt(2).
  const data = interactions({ u0: ["a", "b"], u1: ["a", "b", "c"], u2: ["c", "d"] });
  const [a, b, c, d] = ["a", "b", "c", "d"].map((id) => data.items.get(id)!);
  const s = Math.SQRT1_2;
  const close = (got: number[], want: number[]) => want.forEach((v, j) => expect(got[j]).toBeCloseTo(v, 6));

  it("keeps k + 1 neighbours per item, ties kept, as the reference does", async () => {
    const m = await fitted(data, 1);
    close(similar(m, a), [0, 1, 0.5, 0]);
    // c's two 0.5 neighbours tie for second place: both stay.
    close(similar(m, c), [0.5, 0.5, 0, s]);
    close(similar(m, d), [0, 0, s, 0]);
  });

  it("scores a weighted history as the weighted sum of its neighbour rows", async () => {
    const m = await fitted(data, 1);
    const out = new Float32Array(4);
    m.scoreHistory([{ item: a, weight: 1 }, { item: d, weight: 2 }], out);
    expect(out[b]).toBeCloseTo(1, 6);
    expect(out[c]).toBeCloseTo(0.5 + 2 * s, 6);
  });

  it("matches the dense reference on a random matrix for several k", async () => {
    const next = mulberry32(7);
    const rows: InteractionRow[] = [];
    for (let u = 0; u < 30; u++) for (let i = 0; i < 25; i++) if (next() < 0.25) rows.push({ user: `u${u}`, item: `i${i}`, value: 1, timestamp: rows.length });
    const random = Interactions.fromRows(rows);
    for (const k of [1, 3, 10, 100]) {
      const m = await fitted(random, k);
      const ref = referenceSimilarity(random, k);
      for (let i = 0; i < random.itemCount; i++) expect(similar(m, i)).toEqual(Array.from(ref[i]));
    }
  });
});

describe("itemknn shrinkage", () => {
  it("divides co-counts by |i||j| + shrink, so pairs few users share lose more; 0 is the plain cosine", async () => {
    // a and b share 4 users; c and d share 1 (each seen by that one user only, a perfect but thin cosine).
    const rows: InteractionRow[] = [];
    for (let u = 0; u < 4; u++) for (const item of ["a", "b"]) rows.push({ user: `u${u}`, item, value: 1, timestamp: u });
    rows.push({ user: "u9", item: "c", value: 1, timestamp: 9 }, { user: "u9", item: "d", value: 1, timestamp: 9 });
    const data = Interactions.fromRows(rows);
    const similarity = async (shrink: number, x: string, y: string) => {
      const model = itemKnnSpec.create({ k: 5, shrink });
      await model.fit(data);
      const out = new Float32Array(model.itemCount);
      model.scoreSimilar(data.items.get(x)!, out);
      return out[data.items.get(y)!];
    };
    expect(await similarity(0, "a", "b")).toBeCloseTo(1, 5);
    expect(await similarity(0, "c", "d")).toBeCloseTo(1, 5);
    // 4 / (2 * 2 + 2) and 1 / (1 * 1 + 2).
    expect(await similarity(2, "a", "b")).toBeCloseTo(4 / 6, 5);
    expect(await similarity(2, "c", "d")).toBeCloseTo(1 / 3, 5);
  });
});
