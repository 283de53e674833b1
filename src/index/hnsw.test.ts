import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32, normalSampler } from "../numeric/random.ts";
import { HnswIndex } from "./hnsw.node.ts";
import { arbitraryCatalog, arbitraryQuery, naiveQuery, PROPERTY_DIMENSION } from "./index.arbitraries.ts";
import { describeVectorIndexContract } from "./index.contract.ts";
import { MemoryIndex } from "./memory.ts";
import type { Filter, IndexedItem, Scored } from "./types.ts";

// Three runs of the contract: the default choice between graph and exact scan, every filtered query through
// the graph (the filter callback), and every filtered query by the exact scan.
describeVectorIndexContract("HnswIndex", async (d) => new HnswIndex(d));
describeVectorIndexContract("HnswIndex, filters always in the graph", async (d) => new HnswIndex(d, { exactBelowMatches: 0 }));
describeVectorIndexContract("HnswIndex, filters always by exact scan", async (d) => new HnswIndex(d, { exactBelowMatches: Infinity }));

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
  for (const exactBelowMatches of [0, Infinity]) {
    it(`stays exact on small catalogs through upserts and deletes (filters ${exactBelowMatches === 0 ? "in the graph" : "by exact scan"})`, async () => {
      const step = fc.oneof(
        arbitraryCatalog.map((rows) => ({ upsert: rows })),
        fc.array(fc.constantFrom("a", "b", "B", "a'b", "é", "映画"), { maxLength: 4 }).map((ids) => ({ delete: ids })),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 8 }), fc.array(arbitraryQuery, { minLength: 1, maxLength: 3 }), async (steps, queries) => {
          const index = new HnswIndex(PROPERTY_DIMENSION, { exactBelowMatches });
          const model = new Map<string, IndexedItem>();
          for (const s of steps) {
            if ("upsert" in s) {
              await index.upsert(s.upsert);
              for (const row of s.upsert) model.set(row.id, row);
            } else {
              await index.delete(s.delete);
              for (const id of s.delete) model.delete(id);
            }
          }
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
    // At this size the default sends every filter here to the exact scan; a lower threshold puts the 10% ones
    // (about 600 matches) through the graph and leaves the 1% one (about 60) to the scan.
    const options = { exactBelowMatches: 200 };
    beforeAll(() => {
      hnsw = HnswIndex.fromArrays(items, matrix, 16, options);
    });

    async function recall(filter?: Filter): Promise<number> {
      let sum = 0;
      for (const q of queries) sum += recallAt10(await hnsw.query(q, { k: 10, filter }), await exact.query(q, { k: 10, filter }));
      return sum / queries.length;
    }

    it("finds nearly all of the exact top 10, with and without a filter keeping 10%", async () => {
      const before = { ...hnsw.answered };
      expect(await recall()).toBeGreaterThanOrEqual(0.95);
      expect(await recall({ genresAny: ["Tenth"] })).toBeGreaterThanOrEqual(0.95);
      expect(await recall({ genresAny: ["Tenth"], yearMin: 1990, excludeIds: ["i1", "i2"] })).toBeGreaterThanOrEqual(0.9);
      // All of it from the graph: these filters keep more than exactBelowMatches.
      expect(hnsw.answered.exact).toBe(before.exact);
      expect(hnsw.answered.graph - before.graph).toBe(3 * queries.length);
    });

    it("answers a very selective filter exactly, by scanning", async () => {
      const before = { ...hnsw.answered };
      const filter = { genresAny: ["Rare"] };
      for (const q of queries) {
        const got = await hnsw.query(q, { k: 10, filter });
        const want = await exact.query(q, { k: 10, filter });
        expect(got.map((r) => r.item.id)).toEqual(want.map((r) => r.item.id));
        // MemoryIndex sums in float32 lanes, HnswIndex in float64: the last bits may differ.
        got.forEach((r, i) => expect(r.score).toBeCloseTo(want[i].score, 4));
      }
      expect(hnsw.answered.exact - before.exact).toBe(queries.length);
    });

    it("serves onboarded items at once and never returns deleted ones, without a rebuild", async () => {
      const index = HnswIndex.fromArrays(items, matrix, 16, options);
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
    });
  });
});
