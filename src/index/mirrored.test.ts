import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeVectorIndexContract } from "./index.contract.ts";
import { HnswIndex } from "./hnsw.node.ts";
import { LanceDbIndex } from "./lancedb.node.ts";
import { MemoryIndex } from "./memory.ts";
import { MirroredIndex } from "./mirrored.ts";
import { HNSW_ABOVE_ITEMS, queryMirrorFor } from "./query-mirror.node.ts";
import type { VectorIndex } from "./types.ts";

const lance = (d: number) => LanceDbIndex.open(mkdtempSync(join(tmpdir(), "mirror-")), { table: "items", dimension: d });

describeVectorIndexContract("MirroredIndex (LanceDB + memory)", async (d) => new MirroredIndex(await lance(d), new MemoryIndex(d)));
describeVectorIndexContract("MirroredIndex (LanceDB + HNSW)", async (d) => new MirroredIndex(await lance(d), new HnswIndex(d)));

describe("MirroredIndex", () => {
  it("writes through to the durable index", async () => {
    const durable = await lance(2);
    const mirror = new MirroredIndex(durable, new MemoryIndex(2));
    await mirror.upsert([{ id: "a", title: "Alpha", genres: [], tags: [], vector: Float32Array.of(1, 0) }]);
    expect((await durable.get("a"))?.title).toBe("Alpha");
    await mirror.delete(["a"]);
    expect(await durable.count()).toBe(0);
  });

  it("does not change the copy when the durable write fails", async () => {
    const failing: VectorIndex = { ...new MemoryIndex(2), kind: "broken", dimension: 2, upsert: async () => Promise.reject(new Error("disk full")) } as unknown as VectorIndex;
    const memory = new MemoryIndex(2);
    const mirror = new MirroredIndex(failing, memory);
    await expect(mirror.upsert([{ id: "a", title: "A", genres: [], tags: [], vector: Float32Array.of(1, 0) }])).rejects.toThrow("disk full");
    expect(await memory.count()).toBe(0);
  });

  it("reads from a flat scan up to HNSW_ABOVE_ITEMS items and from an HNSW graph above", async () => {
    const catalog = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, title: `Item ${i}`, genres: [], tags: [] }));
    const vectors = (n: number) => Float32Array.from({ length: n * 2 }, (_, i) => (i % 7) - 3);
    expect(queryMirrorFor(catalog(HNSW_ABOVE_ITEMS), vectors(HNSW_ABOVE_ITEMS), 2).kind).toBe("memory");
    const small = queryMirrorFor(catalog(50), vectors(50), 2, { hnswAbove: 49 });
    expect(small).toBeInstanceOf(HnswIndex);
    expect(await small.count()).toBe(50);
    const mirror = new MirroredIndex(await lance(2), small);
    expect(mirror.kind).toBe("lancedb (queries from a hnsw mirror)");
    expect((await mirror.query(Float32Array.of(1, 0), { k: 1 }))[0].score).toBe(3);
  });
});
