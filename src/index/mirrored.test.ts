import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeVectorIndexContract } from "./index.contract.ts";
import { LanceDbIndex } from "./lancedb.node.ts";
import { MemoryIndex } from "./memory.ts";
import { MirroredIndex } from "./mirrored.ts";
import type { VectorIndex } from "./types.ts";

const lance = (d: number) => LanceDbIndex.open(mkdtempSync(join(tmpdir(), "mirror-")), { table: "items", dimension: d });

describeVectorIndexContract("MirroredIndex (LanceDB + memory)", async (d) => new MirroredIndex(await lance(d), new MemoryIndex(d)));

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
});
