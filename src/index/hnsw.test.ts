import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32, normalSampler } from "../numeric/random.ts";
import { HnswIndex, type HnswOptions } from "./hnsw.node.ts";
import { applySteps, arbitraryQuery, arbitraryStep, naiveQuery, PROPERTY_DIMENSION } from "./index.arbitraries.ts";
import { describeVectorIndexContract } from "./index.contract.ts";
import { MemoryIndex } from "./memory.ts";
import type { Filter, IndexedItem, Scored } from "./types.ts";

/** Each way HnswIndex answers a filtered query, forced, beside its default choice between them. */
const FILTER_PATHS: Array<[string, Partial<HnswOptions>]> = [
  ["filters over-fetched from the graph", { filterPath: "overfetch" }],
  ["filters as the graph's callback", { filterPath: "callback" }],
  ["filters by exact scan", { filterPath: "exact" }],
];

describeVectorIndexContract("HnswIndex", async (d) => new HnswIndex(d));
for (const [label, options] of FILTER_PATHS) describeVectorIndexContract(`HnswIndex, ${label}`, async (d) => new HnswIndex(d, options));

const pairs = (results: Scored[]) => results.map((r): [string, number] => [r.item.id, r.score]);

/** `n` items of dimension `d` around 20 centres, with a genre kept by about 10% and one by about 1%. */
function clusteredItems(n: number, d: number, seed: number): IndexedItem[] {
  const normal = normalSampler(mulberry32(seed));
  const centres = Array.from({ length: 20 }, () => Float32Array.from({ length: d }, normal));
  const pick = mulberry32(seed + 1);
  return Array.from({ length: n }, (_, i) => {
    const centre = centres[Math.floor(pick() * centres.length)];
    const share = pick();
    const genres = share < 0.01 ? ["Rare", "Tenth"] : share < 0.1 ? ["Tenth"] : ["Common"];
    return { id: `i${i}`, title: `Item ${i}`, genres, tags: [], year: 1950 + (i % 70), vector: centre.map((c) => c + normal()) };
  });
}

function recallAt10(got: Scored[], exact: Scored[]): number {
  const truth = new Set(exact.map((r) => r.item.id));
  return got.filter((r) => truth.has(r.item.id)).length / exact.length;
}

describe("HnswIndex", () => {
  for (const [label, options] of FILTER_PATHS) {
    it(`stays exact on small catalogs through upserts and deletes (${label})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(arbitraryStep, { maxLength: 8 }), fc.array(arbitraryQuery, { minLength: 1, maxLength: 3 }), async (steps, queries) => {
          const index = new HnswIndex(PROPERTY_DIMENSION, options);
          const model = await applySteps(index, steps);
          expect(await index.count()).toBe(model.size);
          for (const q of queries) expect(pairs(await index.query(q.vector, q))).toEqual(naiveQuery([...model.values()], q));
          for (const [id, row] of model) expect((await index.get(id))?.vector).toEqual(row.vector);
        }),
        { numRuns: 150 },
      );
    });
  }

  describe("on 6,000 clustered items", () => {
    const items = clusteredItems(6000, 16, 7);
    const matrix = Float32Array.from(items.flatMap((item) => [...item.vector]));
    const queries = clusteredItems(60, 16, 8).map((q) => q.vector);
    const exact = MemoryIndex.fromArrays(items, matrix, 16);
    let hnsw: HnswIndex;
    beforeAll(() => {
      hnsw = HnswIndex.fromArrays(items, matrix, 16);
    });

    async function recall(filter?: Filter): Promise<number> {
      let sum = 0;
      for (const q of queries) sum += recallAt10(await hnsw.query(q, { k: 10, filter }), await exact.query(q, { k: 10, filter }));
      return sum / queries.length;
    }

    it("finds nearly all of the exact top 10, with and without a filter keeping 10%, each graph way", async () => {
      const tenth = { genresAny: ["Tenth"] };
      const narrower = { genresAny: ["Tenth"], yearMin: 1990, excludeIds: ["i1", "i2"] };
      const before = { ...hnsw.answered };
      expect(await recall()).toBeGreaterThanOrEqual(0.95);
      expect(hnsw.answered.graph - before.graph).toBe(queries.length);
      for (const filterPath of ["overfetch", "callback"] as const) {
        hnsw.tune({ filterPath });
        expect(await recall(tenth)).toBeGreaterThanOrEqual(0.95);
        expect(await recall(narrower)).toBeGreaterThanOrEqual(0.9);
        expect(hnsw.answered[filterPath] - before[filterPath]).toBe(2 * queries.length);
      }
      hnsw.tune({ filterPath: "auto" });
      expect(hnsw.answered.exact).toBe(before.exact);
    });

    it("chooses by estimated cost: the exact scan for a selective filter, over-fetching for a broad one", async () => {
      const before = { ...hnsw.answered };
      const rare = { genresAny: ["Rare"] };
      for (const q of queries) {
        const got = await hnsw.query(q, { k: 10, filter: rare });
        const want = await exact.query(q, { k: 10, filter: rare });
        expect(got.map((r) => r.item.id)).toEqual(want.map((r) => r.item.id));
        // MemoryIndex sums in float32 lanes, HnswIndex in float64: the last bits may differ.
        got.forEach((r, i) => expect(r.score).toBeCloseTo(want[i].score, 4));
      }
      expect(hnsw.answered.exact - before.exact).toBe(queries.length);
      expect(await recall({ genresNone: ["Rare"] })).toBeGreaterThanOrEqual(0.95);
      expect(hnsw.answered.overfetch - before.overfetch).toBe(queries.length);
    });

    it("serves onboarded items at once and never returns deleted ones, without a rebuild", async () => {
      const index = HnswIndex.fromArrays(items, matrix, 16);
      const q = queries[0];
      const top = await index.query(q, { k: 10 });
      const newcomer = { id: "new", title: "Newcomer", genres: ["Tenth"], tags: [], vector: q.map((x) => 3 * x) };
      await index.upsert([newcomer]);
      expect((await index.query(q, { k: 1 }))[0].item.id).toBe("new");
      expect((await index.query(q, { k: 1, filter: { genresAny: ["Tenth"] } }))[0].item.id).toBe("new");
      await index.delete(["new", ...top.slice(0, 5).map((r) => r.item.id)]);
      const after = await index.query(q, { k: 10 });
      const gone = new Set(["new", ...top.slice(0, 5).map((r) => r.item.id)]);
      expect(after).toHaveLength(10);
      expect(after.filter((r) => gone.has(r.item.id))).toEqual([]);
      expect(recallAt10(after, top.slice(5))).toBe(1);
      // A freed slot is reused by the next new item, which is then found like any other.
      await index.upsert([{ ...newcomer, id: "newer" }]);
      expect(await index.count()).toBe(items.length - 5 + 1);
      expect((await index.query(q, { k: 1 }))[0].item.id).toBe("newer");
      expect(index.answered.exact).toBe(0);
      expect(index.answered.callback).toBe(0);
    });
  });
});
