import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applySteps, arbitraryCatalog, arbitraryQuery, arbitraryStep, naiveQuery, PROPERTY_DIMENSION } from "./index.arbitraries.ts";
import { describeVectorIndexContract } from "./index.contract.ts";
import { MemoryIndex } from "./memory.ts";
import type { Scored } from "./types.ts";

describeVectorIndexContract("MemoryIndex", async (dimension) => new MemoryIndex(dimension));

const pairs = (results: Scored[]) => results.map((r): [string, number] => [r.item.id, r.score]);

describe("MemoryIndex", () => {
  it("query equals a naive filter + full sort", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryCatalog, fc.array(arbitraryQuery, { minLength: 1, maxLength: 5 }), async (catalog, queries) => {
        const index = new MemoryIndex(PROPERTY_DIMENSION);
        await index.upsert(catalog);
        for (const q of queries) expect(pairs(await index.query(q.vector, q))).toEqual(naiveQuery(catalog, q));
      }),
      { numRuns: 300 },
    );
  });

  it("stays exact through interleaved upserts and deletes (no holes, no stale rows)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbitraryStep, { maxLength: 8 }), arbitraryQuery, async (steps, q) => {
        const index = new MemoryIndex(PROPERTY_DIMENSION);
        const model = await applySteps(index, steps);
        expect(await index.count()).toBe(model.size);
        expect(pairs(await index.query(q.vector, { ...q, k: 20 }))).toEqual(naiveQuery([...model.values()], { ...q, k: 20 }));
        for (const [id, row] of model) expect((await index.get(id))?.vector).toEqual(row.vector);
      }),
      { numRuns: 200 },
    );
  });

  it("fromArrays serves row i of the matrix as item i's vector", async () => {
    const items = [
      { id: "x", title: "X", genres: [], tags: [] },
      { id: "y", title: "Y", genres: [], tags: [] },
    ];
    const index = MemoryIndex.fromArrays(items, Float32Array.of(1, 0, 0, 2), 2);
    expect(pairs(await index.query(Float32Array.of(1, 1), { k: 2 }))).toEqual([
      ["y", 2],
      ["x", 1],
    ]);
    expect((await index.get("y"))?.vector).toEqual(Float32Array.of(0, 2));
    expect(() => MemoryIndex.fromArrays(items, new Float32Array(3), 2)).toThrow(/need 4 floats/);
  });

  it("search ranks whole words above prefixes and short titles above long ones", async () => {
    const index = new MemoryIndex(1);
    const titles = ["Toy Soldiers", "Toy Story 2", "Toy Story", "Story of Toys", "Heat"];
    await index.upsert(titles.map((title, i) => ({ id: `m${i}`, title, genres: [], tags: [], vector: new Float32Array(1) })));
    const found = async (text: string) => (await index.search(text, { k: 10 })).map((r) => r.item.title);
    expect(await found("toy story")).toEqual(["Toy Story", "Toy Story 2", "Story of Toys", "Toy Soldiers"]);
    expect((await found("toy sto")).slice(0, 2)).toEqual(["Toy Story", "Toy Story 2"]);
    expect(await found("soldier")).toEqual(["Toy Soldiers"]);
  });
});
