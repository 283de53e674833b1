/**
 * The vectors to fill a Vectorize index with, as the NDJSON `wrangler vectorize insert --file` (or `upsert`)
 * uploads: one {"id","values","metadata"} per line, exactly what VectorizeIndex writes (vectorOf). wrangler
 * uploads at most 100,000 vectors per run, so larger catalogs are written as several files of at most that many.
 */
import { writeFileSync } from "node:fs";
import type { Item } from "../core/types.ts";
import { vectorOf } from "./vectorize.ts";

/** Vectors per file: what one `wrangler vectorize insert` run uploads. */
export const VECTORS_PER_FILE = 100_000;

/**
 * Writes item i with row i of `vectors` (row-major, n x dimension) to `file`, or to file-001.ndjson,
 * file-002.ndjson ... when there are more than VECTORS_PER_FILE items. Returns the files written.
 */
export async function writeVectorizeNdjson(file: string, items: readonly Item[], vectors: Float32Array, dimension: number): Promise<string[]> {
  const parts = Math.max(1, Math.ceil(items.length / VECTORS_PER_FILE));
  const names = parts === 1 ? [file] : Array.from({ length: parts }, (_, p) => partName(file, p + 1));
  for (let p = 0; p < parts; p++) {
    const lines: string[] = [];
    for (let i = p * VECTORS_PER_FILE; i < Math.min(items.length, (p + 1) * VECTORS_PER_FILE); i++) {
      lines.push(JSON.stringify(await vectorOf({ ...items[i], vector: vectors.subarray(i * dimension, (i + 1) * dimension) })));
    }
    writeFileSync(names[p], lines.length ? `${lines.join("\n")}\n` : "");
  }
  return names;
}

function partName(file: string, part: number): string {
  const suffix = `-${String(part).padStart(3, "0")}`;
  return /\.ndjson$/i.test(file) ? file.replace(/\.ndjson$/i, `${suffix}.ndjson`) : `${file}${suffix}`;
}
