import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeVectorize } from "./vectorize.fake.ts";
import { VECTORIZE_METADATA_INDEXES, VectorizeIndex } from "./vectorize.ts";
import { VECTORS_PER_FILE, writeVectorizeNdjson } from "./vectorize-export.node.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("writeVectorizeNdjson", () => {
  it("writes the vectors a VectorizeIndex serves once they are inserted as wrangler would", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vectorize-"));
    dirs.push(dir);
    const items = [
      { id: "heat", title: "Heat", year: 1995, genres: ["Action"], tags: [] },
      { id: "life", title: "It's a Wonderful Life", genres: ["Drama"], tags: ["classic"], text: "Bedford Falls" },
    ];
    const [file] = await writeVectorizeNdjson(join(dir, "items.ndjson"), items, Float32Array.of(1, 0, 0, 1), 2);
    const vectors = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    const binding = new FakeVectorize({ dimensions: 2, metadataIndexes: { ...VECTORIZE_METADATA_INDEXES } });
    await binding.insert(vectors);
    const index = new VectorizeIndex(binding, { dimension: 2 });
    expect(await index.count()).toBe(2);
    expect(await index.query(Float32Array.of(0, 2), { k: 1, filter: { yearMax: 2000 } })).toEqual([{ item: items[0], score: 0 }]);
    expect(await index.query(Float32Array.of(0, 2), { k: 2 })).toEqual([
      { item: items[1], score: 2 },
      { item: items[0], score: 0 },
    ]);
  });

  it("splits a catalog over 100,000 items into files wrangler uploads in one run each", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vectorize-"));
    dirs.push(dir);
    const n = VECTORS_PER_FILE + 5;
    const items = Array.from({ length: n }, (_, i) => ({ id: `i${i}`, title: "t", genres: [], tags: [] }));
    const files = await writeVectorizeNdjson(join(dir, "items.ndjson"), items, new Float32Array(n), 1);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(["items-001.ndjson", "items-002.ndjson"]);
    expect(readFileSync(files[1], "utf8").trim().split("\n")).toHaveLength(5);
  });
});
