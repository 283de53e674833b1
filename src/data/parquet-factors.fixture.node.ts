import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ByteWriter, parquetWrite } from "hyparquet-writer";

export interface FactorFixture {
  ids: readonly number[];
  /** One vector per id. */
  vectors: readonly (readonly number[])[];
}

/**
 * The schema Spark SQL writes for a DataFrame (id: int not null, features: array<float> without nulls) in its
 * standard (non-legacy) Parquet layout: a three-level LIST whose leaf is a required float.
 */
const SPARK_FACTOR_SCHEMA = [
  { name: "spark_schema", num_children: 2 },
  { name: "id", type: "INT32", repetition_type: "REQUIRED" },
  { name: "features", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", type: "FLOAT", repetition_type: "REQUIRED" },
] as const;

const SPARK_ROW_METADATA = JSON.stringify({
  type: "struct",
  fields: [
    { name: "id", type: "integer", nullable: false, metadata: {} },
    { name: "features", type: { type: "array", elementType: "float", containsNull: false }, nullable: true, metadata: {} },
  ],
});

/** One Parquet file of factor rows as Spark writes it; `codec` GZIP exercises the extra decompressors. */
export function sparkFactorParquet(rows: FactorFixture, codec: "SNAPPY" | "GZIP" | "UNCOMPRESSED" = "SNAPPY"): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData: [
      { name: "id", data: Int32Array.from(rows.ids) },
      { name: "features", data: rows.vectors.map((v) => [...v]) },
    ],
    schema: SPARK_FACTOR_SCHEMA.map((e) => ({ ...e })),
    codec,
    compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) },
    kvMetadata: [
      { key: "org.apache.spark.version", value: "3.5.1" },
      { key: "org.apache.spark.sql.parquet.row.metadata", value: SPARK_ROW_METADATA },
    ],
    createdBy: "parquet-mr version 1.13.1 (build db4183109d5b734ec5930d870cdae161e408ddba)",
  });
  return new Uint8Array(writer.getBuffer());
}

/**
 * A factors directory as Spark's DataFrameWriter leaves it: the rows split over `parts` part files (named
 * part-0000k-<uuid>-c000.snappy.parquet), a `_SUCCESS` marker, and Hadoop's `.crc` checksum files beside each.
 */
export function writeSparkFactorDir(dir: string, rows: FactorFixture, parts = 1, codec: "SNAPPY" | "GZIP" = "SNAPPY"): void {
  mkdirSync(dir, { recursive: true });
  const per = Math.ceil(rows.ids.length / parts);
  for (let k = 0; k < parts; k++) {
    const name = `part-${String(k).padStart(5, "0")}-6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f-c000.${codec.toLowerCase()}.parquet`;
    const slice = { ids: rows.ids.slice(k * per, (k + 1) * per), vectors: rows.vectors.slice(k * per, (k + 1) * per) };
    writeFileSync(join(dir, name), sparkFactorParquet(slice, codec));
    writeFileSync(join(dir, `.${name}.crc`), Uint8Array.of(0x63, 0x72, 0x63, 0x00, 0x00, 0x00, 0x02, 0x00, 0xde, 0xad));
  }
  writeFileSync(join(dir, "_SUCCESS"), "");
  writeFileSync(join(dir, "._SUCCESS.crc"), Uint8Array.of(0x63, 0x72, 0x63, 0x00));
}

/** What `ALSModel.save(dir)` writes: metadata/part-00000 (JSON with the rank), itemFactors/ and userFactors/. */
export function writeSparkAlsModel(dir: string, model: { rank: number; items: FactorFixture; users?: FactorFixture; parts?: number }): void {
  mkdirSync(join(dir, "metadata"), { recursive: true });
  const metadata = {
    class: "org.apache.spark.ml.recommendation.ALSModel",
    timestamp: 1_700_000_000_000,
    sparkVersion: "3.5.1",
    uid: "ALS_0f1e2d3c4b5a",
    paramMap: {},
    defaultParamMap: { blockSize: 4096, coldStartStrategy: "nan", itemCol: "item", predictionCol: "prediction", userCol: "user" },
    rank: model.rank,
  };
  writeFileSync(join(dir, "metadata", "part-00000"), `${JSON.stringify(metadata)}\n`);
  writeFileSync(join(dir, "metadata", "_SUCCESS"), "");
  writeSparkFactorDir(join(dir, "itemFactors"), model.items, model.parts);
  if (model.users) writeSparkFactorDir(join(dir, "userFactors"), model.users, model.parts);
}
