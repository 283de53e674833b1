import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type FileMetaData, parquetMetadata, parquetRead, parquetSchema, type SchemaTree } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { DataFormatError, InputError } from "../core/errors.ts";

/** Factor rows keyed by id: `vectors` is ids.length x dimension, row-major, in the order the files list them. */
export interface FactorRows {
  ids: string[];
  vectors: Float32Array;
  dimension: number;
  /** Where they came from, for messages. */
  source: string;
}

/** What Spark MLlib's `ALSModel.save(path)` wrote, or one of its factor DataFrames saved alone. */
export interface SparkFactors {
  items: FactorRows;
  users?: FactorRows;
  /** `rank` from the model's metadata/part-00000, when there is one. */
  rank?: number;
}

const ID = "id";
const FEATURES = "features";
const ALS_MODEL_CLASS = "org.apache.spark.ml.recommendation.ALSModel";

/**
 * Reads factors in the layout Spark MLlib writes: `ALSModel.save(path)` leaves `path/metadata/part-00000` (JSON
 * with `rank`), `path/itemFactors/` and `path/userFactors/`, each a directory of Parquet part files (plus
 * `_SUCCESS` and `.crc` files) with columns `id` (int) and `features` (array<float>). `path` may be that model
 * directory, one factor directory (`model.itemFactors.write.parquet(dir)`), or a single .parquet file of item
 * factors. As Spark does, files whose names start with "_" or "." are not data.
 */
export async function readSparkFactors(path: string): Promise<SparkFactors> {
  if (!existsSync(path)) throw new InputError(`${path}: not found (expected the directory ALSModel.save wrote, an itemFactors directory or a .parquet file)`);
  if (!statSync(path).isDirectory()) return { items: await readFactorFiles([path], path) };
  const itemDir = join(path, "itemFactors");
  if (!existsSync(itemDir)) return { items: await readFactorDir(path) };
  const userDir = join(path, "userFactors");
  const rank = readRank(join(path, "metadata", "part-00000"));
  const items = await readFactorDir(itemDir);
  const users = existsSync(userDir) ? await readFactorDir(userDir) : undefined;
  for (const table of [items, users]) {
    if (table && rank !== undefined && table.dimension !== rank) {
      throw new InputError(`${table.source}: features have ${table.dimension} values but the model's metadata says rank ${rank}`);
    }
  }
  return { items, ...(users ? { users } : {}), ...(rank !== undefined ? { rank } : {}) };
}

/** `rank` from the model metadata JSON, which also names the class (so another model's directory is refused). */
function readRank(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  let meta: { class?: unknown; rank?: unknown };
  try {
    meta = JSON.parse(readFileSync(file, "utf8").split("\n")[0]);
  } catch (e) {
    throw new DataFormatError(file, 1, `Spark model metadata is not JSON (${(e as Error).message})`);
  }
  if (meta.class !== undefined && meta.class !== ALS_MODEL_CLASS) throw new DataFormatError(file, 1, `metadata is for ${String(meta.class)}, not ${ALS_MODEL_CLASS}`);
  return typeof meta.rank === "number" ? meta.rank : undefined;
}

async function readFactorDir(dir: string): Promise<FactorRows> {
  const parts = readdirSync(dir)
    .filter((name) => !name.startsWith("_") && !name.startsWith("."))
    .sort()
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile());
  if (!parts.length) throw new DataFormatError(dir, undefined, "no Parquet part files (expected part-*.parquet as Spark writes them)");
  return readFactorFiles(parts, dir);
}

/** All part files as one table; every row must have the same number of features. */
async function readFactorFiles(files: string[], source: string): Promise<FactorRows> {
  const ids: string[] = [];
  const rows: ArrayLike<number>[] = [];
  let dimension = -1;
  for (const file of files) {
    const buffer = readFileSync(file);
    const bytes = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
    let metadata: FileMetaData;
    try {
      metadata = parquetMetadata(bytes);
    } catch (e) {
      throw new DataFormatError(file, undefined, `not a readable Parquet file (${(e as Error).message})`);
    }
    checkSchema(parquetSchema(metadata), file);
    let data: unknown[][] = [];
    try {
      await parquetRead({ file: bytes, metadata, columns: [ID, FEATURES], compressors, onComplete: (r) => (data = r) });
    } catch (e) {
      throw new DataFormatError(file, undefined, `could not decode its rows (${(e as Error).message})`);
    }
    for (const [r, [id, features]] of data.entries()) {
      const where = `row ${r + 1} (id ${String(id)})`;
      if (id === null || id === undefined) throw new DataFormatError(file, undefined, `row ${r + 1} has no id`);
      if (!Array.isArray(features) && !ArrayBuffer.isView(features)) throw new DataFormatError(file, undefined, `${where} has no features`);
      const vector = features as ArrayLike<number>;
      if (dimension < 0) dimension = vector.length;
      if (vector.length !== dimension) {
        throw new DataFormatError(file, undefined, `${where} has ${vector.length} features, earlier rows have ${dimension}: every row needs the same rank`);
      }
      for (let d = 0; d < dimension; d++) {
        if (typeof vector[d] !== "number") throw new DataFormatError(file, undefined, `${where}: feature ${d + 1} is ${String(vector[d])}, not a number`);
      }
      ids.push(String(id));
      rows.push(vector);
    }
  }
  if (dimension <= 0) throw new DataFormatError(source, undefined, dimension < 0 ? "the part files hold no rows" : "the features arrays are empty");
  const vectors = new Float32Array(ids.length * dimension);
  rows.forEach((v, r) => vectors.set(v, r * dimension));
  return { ids, vectors, dimension, source };
}

/** `id` a plain integer (or string) column, `features` a list of float or double: the ALSModel factor schema. */
function checkSchema(schema: SchemaTree, file: string): void {
  const columns = new Map(schema.children.map((c) => [c.element.name, c]));
  const found = [...columns.keys()].join(", ");
  const id = columns.get(ID);
  const features = columns.get(FEATURES);
  if (!id || !features) throw new DataFormatError(file, undefined, `expected columns "${ID}" and "${FEATURES}" (Spark ALSModel factors), found: ${found}`);
  if (id.children.length || !["INT32", "INT64", "BYTE_ARRAY"].includes(id.element.type ?? "")) {
    throw new DataFormatError(file, undefined, `column "${ID}" must be an integer or string, found ${id.element.type ?? "a group"}`);
  }
  let leaf = features;
  while (leaf.children.length === 1) leaf = leaf.children[0];
  const isList = features.element.converted_type === "LIST" || features.element.logical_type?.type === "LIST" || features.element.repetition_type === "REPEATED";
  if (!isList || leaf.children.length || !["FLOAT", "DOUBLE"].includes(leaf.element.type ?? "")) {
    throw new DataFormatError(file, undefined, `column "${FEATURES}" must be an array of float or double (Spark array<float>), found ${describe(features)}`);
  }
}

function describe(node: SchemaTree): string {
  const e = node.element;
  if (!node.children.length) return `${e.repetition_type?.toLowerCase() ?? ""} ${e.type ?? ""}`.trim();
  return `${e.converted_type ?? "group"} { ${node.children.map(describe).join(", ")} }`;
}
