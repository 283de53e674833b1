import { z } from "zod";
import { DataFormatError } from "../core/errors.ts";
import type { Csr } from "../data/csr.ts";
import type { Recency } from "./recency.ts";
import type { ModelArtifact } from "./recommender.ts";

export const MODEL_FORMAT = "recagent-model";
export const MODEL_FORMAT_VERSION = 1;

/** A trained model with what serving it needs: the id maps and each user's training items. */
export interface SavedModel {
  artifact: ModelArtifact;
  users: readonly string[];
  items: readonly string[];
  seen: Csr;
  /** Age of each entry of `seen` in its user's time order (0 = newest; Interactions.ages), for recency weighting. */
  seenAges?: Int32Array;
  /** How histories are weighted by recency when this model scores them (chosen on validation); absent = off. */
  recency?: Recency;
}

const arrayEntry = z.object({
  name: z.string(),
  dtype: z.enum(["f32", "i32"]),
  byteOffset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
});

const headerSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(MODEL_FORMAT_VERSION),
  model: z.string(),
  params: z.record(z.string(), z.number()),
  meta: z.record(z.string(), z.unknown()).optional(),
  arrays: z.array(arrayEntry),
  users: z.array(z.string()),
  items: z.array(z.string()),
  seen: z.object({ rows: z.number().int(), cols: z.number().int() }),
  recency: z.object({ tau: z.number().nonnegative(), floor: z.number().min(0).max(1) }).optional(),
});

const SEEN = ["seen.indptr", "seen.indices", "seen.values"] as const;
const SEEN_AGES = "seen.ages";

/** A JSON header and one binary body holding every array back to back (4-byte aligned). */
export function encodeModel(saved: SavedModel): { header: string; body: Uint8Array } {
  const arrays: Array<[string, Float32Array | Int32Array]> = [
    ...Object.entries(saved.artifact.arrays),
    [SEEN[0], saved.seen.indptr],
    [SEEN[1], saved.seen.indices],
    [SEEN[2], saved.seen.values],
    ...(saved.seenAges ? [[SEEN_AGES, saved.seenAges] as [string, Int32Array]] : []),
  ];
  let offset = 0;
  const entries = arrays.map(([name, a]) => {
    const entry = { name, dtype: a instanceof Float32Array ? "f32" : "i32", byteOffset: offset, length: a.length };
    offset += a.byteLength;
    return entry;
  });
  const body = new Uint8Array(offset);
  arrays.forEach(([, a], k) => body.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), entries[k].byteOffset));
  const header = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    model: saved.artifact.model,
    params: saved.artifact.params,
    meta: saved.artifact.meta,
    arrays: entries,
    users: saved.users,
    items: saved.items,
    seen: { rows: saved.seen.rows, cols: saved.seen.cols },
    ...(saved.recency ? { recency: saved.recency } : {}),
  };
  return { header: JSON.stringify(header), body };
}

/** Inverse of encodeModel; a header or body that does not fit is a DataFormatError naming `file`. */
export function decodeModel(headerText: string, body: Uint8Array, file: string): SavedModel {
  let json: unknown;
  try {
    json = JSON.parse(headerText);
  } catch (e) {
    throw new DataFormatError(file, undefined, `model header is not JSON (${(e as Error).message})`);
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    throw new DataFormatError(file, undefined, `not a ${MODEL_FORMAT} v${MODEL_FORMAT_VERSION} header: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
  }
  const h = parsed.data;
  const arrays: Record<string, Float32Array | Int32Array> = {};
  for (const e of h.arrays) {
    const bytes = e.length * 4;
    if (e.byteOffset + bytes > body.byteLength) throw new DataFormatError(file, undefined, `array ${e.name} runs past the end of the model body (truncated file?)`);
    // Copy so the arrays are aligned and independent of the body buffer.
    const copy = body.slice(e.byteOffset, e.byteOffset + bytes).buffer;
    arrays[e.name] = e.dtype === "f32" ? new Float32Array(copy) : new Int32Array(copy);
  }
  for (const name of SEEN) if (!arrays[name]) throw new DataFormatError(file, undefined, `model body lacks ${name}`);
  const seen: Csr = {
    rows: h.seen.rows,
    cols: h.seen.cols,
    indptr: arrays[SEEN[0]] as Int32Array,
    indices: arrays[SEEN[1]] as Int32Array,
    values: arrays[SEEN[2]] as Float32Array,
  };
  const seenAges = arrays[SEEN_AGES] as Int32Array | undefined;
  if (seenAges && seenAges.length !== seen.indices.length) throw new DataFormatError(file, undefined, `${SEEN_AGES} has ${seenAges.length} entries for ${seen.indices.length} interactions`);
  for (const name of [...SEEN, SEEN_AGES]) delete arrays[name];
  return {
    artifact: { model: h.model, params: h.params, meta: h.meta, arrays },
    users: h.users,
    items: h.items,
    seen,
    ...(seenAges ? { seenAges } : {}),
    ...(h.recency ? { recency: h.recency } : {}),
  };
}
