import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IndexedItem, Scored } from "./types.ts";
import { applySteps, arbitraryQuery, arbitraryStep, naiveQuery, PROPERTY_DIMENSION } from "./index.arbitraries.ts";
import { describeVectorIndexContract } from "./index.contract.ts";
import { VECTORIZE_LIMITS } from "./vectorize-binding.ts";
import { FakeVectorize } from "./vectorize.fake.ts";
import { CONSISTENCIES, vectorizeOverStandIn } from "./vectorize.fixture.ts";
import { PENDING_MAX_MS, VECTORIZE_METADATA_INDEXES, VectorizeIndex, vectorIdOf, vectorOf } from "./vectorize.ts";

for (const [consistency, how] of CONSISTENCIES) {
  describeVectorIndexContract(`VectorizeIndex (stand-in binding, ${how})`, async (dimension) => vectorizeOverStandIn(dimension, consistency).index);
}

const pairs = (results: Scored[]) => results.map((r): [string, number] => [r.item.id, r.score]);
const row = (id: string, vector: number[], rest: Partial<IndexedItem> = {}): IndexedItem => ({ id, title: id, genres: [], tags: [], ...rest, vector: Float32Array.from(vector) });
const queries = (binding: FakeVectorize) => binding.calls.filter((c) => c.method === "query");

describe("VectorizeIndex", () => {
  for (const [consistency, how] of CONSISTENCIES) {
    it(`equals a naive filter + full sort through interleaved writes (${how})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(arbitraryStep, { maxLength: 6 }), fc.array(arbitraryQuery, { minLength: 1, maxLength: 3 }), async (steps, qs) => {
          const { index } = vectorizeOverStandIn(PROPERTY_DIMENSION, consistency);
          const model = await applySteps(index, steps);
          expect(await index.count()).toBe(model.size);
          for (const q of qs) expect(pairs(await index.query(q.vector, q))).toEqual(naiveQuery([...model.values()], q));
        }),
        { numRuns: 100 },
      );
    });
  }

  it("sends year bounds and excluded ids to Vectorize, keeps genres to itself, and asks once when that settles the answer", async () => {
    const { binding, index } = vectorizeOverStandIn(2);
    await index.upsert(Array.from({ length: 30 }, (_, i) => row(`m${i}`, [1, i / 32], { year: 1990 + (i % 10), genres: i % 2 ? ["Drama"] : ["Comedy"] })));
    binding.calls.length = 0;
    const got = await index.query(Float32Array.of(0, 1), { k: 3, filter: { yearMin: 1995, yearMax: 1998, excludeIds: ["m29", "m28"] } });
    expect(got.map((r) => r.item.id)).toEqual(["m27", "m26", "m25"]);
    expect(queries(binding)).toEqual([{ method: "query", topK: 4, returnValues: true, returnMetadata: "all", filter: { year: { $gte: 1995, $lte: 1998 }, id: { $nin: ["m29", "m28"] } } }]);

    binding.calls.length = 0;
    const drama = await index.query(Float32Array.of(0, 1), { k: 3, filter: { genresAny: ["Drama"] } });
    expect(drama.map((r) => r.item.id)).toEqual(["m29", "m27", "m25"]);
    expect(queries(binding)).toEqual([{ method: "query", topK: VECTORIZE_LIMITS.topKWithDetails, returnValues: true, returnMetadata: "all" }]);
  });

  it("over-fetches past the first 20 candidates for a filter Vectorize cannot apply, and answers fewer past the nearest 100", async () => {
    const { binding, index } = vectorizeOverStandIn(2);
    // Item i scores i against (0, 1): the rare genre sits at ranks 40 and 150 from the top.
    await index.upsert(Array.from({ length: 200 }, (_, i) => row(`m${String(i).padStart(3, "0")}`, [0, i], { genres: i === 159 || i === 50 ? ["Rare"] : ["Common"] })));
    binding.calls.length = 0;
    const rare = await index.query(Float32Array.of(0, 1), { k: 2, filter: { genresAny: ["Rare"] } });
    expect(pairs(rare)).toEqual([["m159", 159]]);
    expect(queries(binding).map((c) => c.method === "query" && [c.topK, c.returnMetadata])).toEqual([
      [20, "all"],
      [100, "none"],
    ]);
    expect(binding.calls.filter((c) => c.method === "getByIds").map((c) => c.method === "getByIds" && c.size)).toEqual([20, 20, 20, 20]);
  });

  it("rescores exactly and breaks ties by id, whatever order Vectorize returns them in", async () => {
    const { index } = vectorizeOverStandIn(2);
    await index.upsert(["d", "b", "e", "a", "c"].map((id) => row(id, [1, 0])));
    expect((await index.query(Float32Array.of(1, 0), { k: 2 })).map((r) => r.item.id)).toEqual(["a", "b"]);
  });

  it("keeps a filter under 2048 bytes however many ids are excluded, pushing the excluded ids it meets near the query first", async () => {
    const { binding, index } = vectorizeOverStandIn(2);
    await index.upsert(Array.from({ length: 400 }, (_, i) => row(`item-${i}`, [1, i])));
    const bytes = (filter: unknown) => new TextEncoder().encode(JSON.stringify(filter)).length;
    const sentFilters = () => queries(binding).map((c) => (c.method === "query" ? c.filter : undefined));

    // Every odd item excluded, the far ones listed first: those fill the $nin, the near ones are filtered here.
    const odd = Array.from({ length: 200 }, (_, i) => `item-${2 * i + 1}`);
    const got = await index.query(Float32Array.of(0, 1), { k: 5, filter: { excludeIds: odd } });
    expect(got.map((r) => r.item.id)).toEqual(["item-398", "item-396", "item-394", "item-392", "item-390"]);
    for (const filter of sentFilters()) expect(bytes(filter)).toBeLessThan(VECTORIZE_LIMITS.filterBytes);

    // The 180 nearest excluded behind 200 far ones: each round pushes the excluded ids the last rounds met.
    binding.calls.length = 0;
    const far = Array.from({ length: 200 }, (_, i) => `item-${i}`);
    const near = Array.from({ length: 180 }, (_, i) => `item-${399 - i}`);
    const past = await index.query(Float32Array.of(0, 1), { k: 5, filter: { excludeIds: [...far, ...near] } });
    expect(past.map((r) => r.item.id)).toEqual(["item-219", "item-218", "item-217", "item-216", "item-215"]);
    expect(queries(binding).map((c) => c.method === "query" && c.topK)).toEqual([20, 100, 100]);
    for (const filter of sentFilters()) expect(bytes(filter)).toBeLessThan(VECTORIZE_LIMITS.filterBytes);
  });

  it("stores ids longer than Vectorize's 64 bytes under a hash, and ids that look like one", async () => {
    const { index } = vectorizeOverStandIn(2);
    const long = "x".repeat(40) + "映画".repeat(10);
    const lookalike = "#sha256:abc";
    await index.upsert([row(long, [1, 0]), row(lookalike, [0, 1]), row("plain", [1, 1])]);
    expect((await vectorIdOf(long)).startsWith("#sha256:")).toBe(true);
    expect(await vectorIdOf(lookalike)).not.toBe(lookalike);
    expect((await index.get(long))?.id).toBe(long);
    expect((await index.query(Float32Array.of(1, 0), { k: 3, filter: { excludeIds: [long] } })).map((r) => r.item.id)).toEqual(["plain", lookalike]);
    await index.delete([long]);
    expect(await index.get(long)).toBeUndefined();
  });

  it("writes in batches of at most 1000 vectors and reads in batches of at most 20 ids", async () => {
    const { binding, index } = vectorizeOverStandIn(2, "manual");
    await index.upsert(Array.from({ length: 2500 }, (_, i) => row(`r${i}`, [i, 1])));
    expect(binding.calls.filter((c) => c.method === "upsert").map((c) => c.method === "upsert" && c.size)).toEqual([1000, 1000, 500]);
    expect(await index.count()).toBe(2500);
    expect(binding.calls.every((c) => c.method !== "getByIds" || c.size <= VECTORIZE_LIMITS.getBatch)).toBe(true);
    await index.delete(Array.from({ length: 1500 }, (_, i) => `r${i}`));
    expect(binding.calls.filter((c) => c.method === "deleteByIds").map((c) => c.method === "deleteByIds" && c.size)).toEqual([1000, 500]);
    binding.processMutations();
    expect(await index.count()).toBe(1000);
  });

  it("refuses an item whose metadata would pass Vectorize's 10 KiB, naming the item", async () => {
    const { index } = vectorizeOverStandIn(2);
    await expect(index.upsert([row("wordy", [1, 0], { text: "word ".repeat(2500) })])).rejects.toMatchObject({ code: "invalid_input", message: /"wordy" needs \d+ bytes/ });
    expect(await index.count()).toBe(0);
  });

  it("reports a failing binding and foreign vectors as labelled errors", async () => {
    const binding = new FakeVectorize({ dimensions: 2, metadataIndexes: { ...VECTORIZE_METADATA_INDEXES } });
    const index = new VectorizeIndex(binding, { dimension: 2 });
    await binding.upsert([{ id: "foreign", values: [1, 0], metadata: { note: "written by another tool" } }]);
    await expect(index.query(Float32Array.of(1, 0), { k: 1 })).rejects.toMatchObject({ code: "vectorize_data", status: 502, message: /"foreign".*recagent export --vectorize/ });
    const broken = new VectorizeIndex({ ...binding, query: async () => Promise.reject(new Error("VECTOR_QUERY_ERROR: upstream down")) } as unknown as FakeVectorize, { dimension: 2 });
    await expect(broken.query(Float32Array.of(1, 0), { k: 1 })).rejects.toMatchObject({ code: "vectorize_failed", status: 502, message: /Vectorize query failed: .*upstream down/ });
  });

  it("reads its own writes before Vectorize applies them; other isolates see them once applied; the overlay then drains", async () => {
    const binding = new FakeVectorize({ dimensions: 2, metadataIndexes: { ...VECTORIZE_METADATA_INDEXES }, consistency: "manual" });
    const writer = new VectorizeIndex(binding, { dimension: 2 });
    const reader = new VectorizeIndex(binding, { dimension: 2 });
    await writer.upsert([row("new", [1, 0], { year: 2001 })]);
    await writer.delete(["never-there"]);
    expect((await writer.query(Float32Array.of(1, 0), { k: 5, filter: { yearMin: 2000 } })).map((r) => r.item.id)).toEqual(["new"]);
    expect(await reader.query(Float32Array.of(1, 0), { k: 5 })).toEqual([]);
    expect(await reader.get("new")).toBeUndefined();
    binding.processMutations();
    expect((await reader.query(Float32Array.of(1, 0), { k: 5 })).map((r) => r.item.id)).toEqual(["new"]);
    expect(await writer.count()).toBe(1);
    binding.calls.length = 0;
    await writer.query(Float32Array.of(1, 0), { k: 5 });
    expect(binding.calls.map((c) => c.method)).toEqual(["query"]);
  });

  it("lets a later write from another isolate supersede its own, and stops shadowing after PENDING_MAX_MS", async () => {
    let clock = 1_000_000;
    const binding = new FakeVectorize({ dimensions: 2, metadataIndexes: { ...VECTORIZE_METADATA_INDEXES }, consistency: "manual" });
    const first = new VectorizeIndex(binding, { dimension: 2, now: () => clock });
    const second = new VectorizeIndex(binding, { dimension: 2, now: () => clock });
    await first.upsert([row("x", [1, 0], { title: "First" })]);
    clock += 10;
    await second.upsert([row("x", [1, 0], { title: "Second" })]);
    binding.processMutations();
    expect((await first.get("x"))?.title).toBe("First");
    expect((await first.query(Float32Array.of(1, 0), { k: 1 }))[0].item.title).toBe("Second");

    await first.delete(["x"]);
    expect(await first.get("x")).toBeUndefined();
    clock += PENDING_MAX_MS + 1;
    expect((await first.query(Float32Array.of(1, 0), { k: 1 }))[0].item.title).toBe("Second");
  });

  it("searches titles from the catalog it is given and from its own writes", async () => {
    const { index } = vectorizeOverStandIn(2, "immediate", { catalog: [{ id: "heat", title: "Heat", genres: [], tags: [] }] });
    await index.upsert([row("up", [1, 0], { title: "Up" })]);
    expect((await index.search("heat", { k: 5 })).map((r) => r.item.id)).toEqual(["heat"]);
    expect((await index.search("up", { k: 5 })).map((r) => r.item.id)).toEqual(["up"]);
  });

  it("writes the vectors `wrangler vectorize insert` takes for an export: id, values, metadata without a stamp", async () => {
    const vector = await vectorOf(row("heat", [0.5, 1], { year: 1995, genres: ["Action"] }));
    expect(vector).toEqual({ id: "heat", values: [0.5, 1], metadata: { id: "heat", year: 1995, item: JSON.stringify({ id: "heat", title: "heat", genres: ["Action"], tags: [], year: 1995 }) } });
  });
});
