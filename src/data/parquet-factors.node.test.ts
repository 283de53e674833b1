import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ByteWriter, parquetWrite } from "hyparquet-writer";
import { beforeEach, describe, expect, it } from "vitest";
import { readSparkFactors } from "./parquet-factors.node.ts";
import { sparkFactorParquet, writeSparkAlsModel, writeSparkFactorDir } from "./parquet-factors.fixture.node.ts";

/** Seven items, three factors each, values exact in float32. */
const ITEMS = {
  ids: [10, 11, 12, 13, 14, 15, 16],
  vectors: [0, 1, 2, 3, 4, 5, 6].map((k) => [k, -k / 2, k / 4 + 0.5]),
};
const USERS = { ids: [1, 2], vectors: [[1, 0, 0], [0, 0.5, -1]] };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "recagent-parquet-"));
});

/** id -> vector, whatever order the part files gave the rows in. */
function byId(t: { ids: string[]; vectors: Float32Array; dimension: number }): Record<string, number[]> {
  return Object.fromEntries(t.ids.map((id, r) => [id, Array.from(t.vectors.subarray(r * t.dimension, (r + 1) * t.dimension))]));
}
const expected = (f: { ids: number[]; vectors: number[][] }) => Object.fromEntries(f.ids.map((id, r) => [String(id), f.vectors[r]]));

describe("readSparkFactors", () => {
  it("reads the directory ALSModel.save writes: items and users over several part files, _SUCCESS and .crc ignored", async () => {
    writeSparkAlsModel(dir, { rank: 3, items: ITEMS, users: USERS, parts: 3 });
    expect(readdirSync(join(dir, "itemFactors")).sort()).toEqual(expect.arrayContaining(["_SUCCESS", "._SUCCESS.crc"]));
    expect(readdirSync(join(dir, "itemFactors")).filter((n) => n.endsWith(".parquet") && n.startsWith("part-"))).toHaveLength(3);
    const read = await readSparkFactors(dir);
    expect(read.rank).toBe(3);
    expect(read.items.dimension).toBe(3);
    expect(read.items.ids).toHaveLength(7);
    expect(byId(read.items)).toEqual(expected(ITEMS));
    expect(byId(read.users!)).toEqual(expected(USERS));
    expect(read.items.source).toBe(join(dir, "itemFactors"));
  });

  it("reads one factors directory, or one .parquet file, as item factors (no users)", async () => {
    writeSparkFactorDir(join(dir, "items"), ITEMS, 2);
    const fromDir = await readSparkFactors(join(dir, "items"));
    expect(byId(fromDir.items)).toEqual(expected(ITEMS));
    expect(fromDir.users).toBeUndefined();
    writeFileSync(join(dir, "one.parquet"), sparkFactorParquet(ITEMS));
    expect(byId((await readSparkFactors(join(dir, "one.parquet"))).items)).toEqual(expected(ITEMS));
  });

  it("decodes gzip-compressed parts (codecs beyond snappy come from hyparquet-compressors)", async () => {
    writeSparkFactorDir(join(dir, "gz"), ITEMS, 2, "GZIP");
    expect(byId((await readSparkFactors(join(dir, "gz"))).items)).toEqual(expected(ITEMS));
  });

  it("reads double features and bigint ids", async () => {
    const writer = new ByteWriter();
    parquetWrite({
      writer,
      columnData: [
        { name: "id", data: BigInt64Array.of(7n, 8n) },
        { name: "features", data: [[0.1, 0.2], [0.3, 0.4]] },
      ],
      schema: [
        { name: "schema", num_children: 2 },
        { name: "id", type: "INT64", repetition_type: "REQUIRED" },
        { name: "features", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "DOUBLE", repetition_type: "REQUIRED" },
      ],
    });
    writeFileSync(join(dir, "d.parquet"), new Uint8Array(writer.getBuffer()));
    const read = await readSparkFactors(join(dir, "d.parquet"));
    expect(read.items.ids).toEqual(["7", "8"]);
    expect(Array.from(read.items.vectors)).toEqual([0.1, 0.2, 0.3, 0.4].map(Math.fround));
  });

  it("names the file and what to fix for layouts it cannot read", async () => {
    await expect(readSparkFactors(join(dir, "nothing"))).rejects.toThrow(/nothing: not found \(expected the directory ALSModel\.save wrote/);

    mkdirSync(join(dir, "empty"));
    writeFileSync(join(dir, "empty", "_SUCCESS"), "");
    await expect(readSparkFactors(join(dir, "empty"))).rejects.toThrow(/empty: no Parquet part files/);

    writeFileSync(join(dir, "text.parquet"), "id,features\n1,[0.5]\n");
    await expect(readSparkFactors(join(dir, "text.parquet"))).rejects.toThrow(/text\.parquet: not a readable Parquet file/);

    const writer = new ByteWriter();
    parquetWrite({ writer, columnData: [{ name: "item", data: Int32Array.of(1) }, { name: "score", data: Float32Array.of(0.5), type: "FLOAT" }] });
    writeFileSync(join(dir, "other.parquet"), new Uint8Array(writer.getBuffer()));
    await expect(readSparkFactors(join(dir, "other.parquet"))).rejects.toThrow(/expected columns "id" and "features" \(Spark ALSModel factors\), found: item, score/);

    const flat = new ByteWriter();
    parquetWrite({ writer: flat, columnData: [{ name: "id", data: Int32Array.of(1) }, { name: "features", data: Float32Array.of(0.5), type: "FLOAT" }] });
    writeFileSync(join(dir, "flat.parquet"), new Uint8Array(flat.getBuffer()));
    await expect(readSparkFactors(join(dir, "flat.parquet"))).rejects.toThrow(/column "features" must be an array of float or double/);
  });

  it("rows of different lengths, and a rank that disagrees with the metadata, are dimension mismatches", async () => {
    writeFileSync(join(dir, "ragged.parquet"), sparkFactorParquet({ ids: [1, 2], vectors: [[1, 2, 3], [4, 5]] }));
    await expect(readSparkFactors(join(dir, "ragged.parquet"))).rejects.toThrow(/row 2 \(id 2\) has 2 features, earlier rows have 3/);

    writeSparkAlsModel(join(dir, "model"), { rank: 4, items: ITEMS });
    await expect(readSparkFactors(join(dir, "model"))).rejects.toThrow(/itemFactors: features have 3 values but the model's metadata says rank 4/);
  });

  it("refuses another Spark model's directory", async () => {
    writeSparkAlsModel(join(dir, "model"), { rank: 3, items: ITEMS });
    writeFileSync(join(dir, "model", "metadata", "part-00000"), `${JSON.stringify({ class: "org.apache.spark.ml.feature.PCAModel", rank: 3 })}\n`);
    await expect(readSparkFactors(join(dir, "model"))).rejects.toThrow(/metadata is for org\.apache\.spark\.ml\.feature\.PCAModel, not org\.apache\.spark\.ml\.recommendation\.ALSModel/);
  });
});
