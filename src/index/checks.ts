/**
 * Input checks shared by every VectorIndex, so each implementation rejects the same things with the same
 * message (an InputError, which HTTP maps to 400) instead of failing in its own way deeper down.
 */
import { InputError } from "../core/errors.ts";
import type { IndexedItem } from "./types.ts";

export function checkDimension(dimension: number): void {
  if (!Number.isInteger(dimension) || dimension < 1) throw new InputError(`dimension must be a positive integer, got ${dimension}`);
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 0) throw new InputError(`k must be a non-negative integer, got ${k}`);
}

export function checkVector(vector: Float32Array, dimension: number, what: string): void {
  if (!(vector instanceof Float32Array) || vector.length !== dimension) {
    throw new InputError(`${what} must be a Float32Array of length ${dimension}, got length ${vector?.length}`);
  }
  if (!vector.every(Number.isFinite)) throw new InputError(`${what} has a non-finite value`);
}

/**
 * Checks each row and keeps the last row of each id (a batch behaves like upserting its rows one by one),
 * in the order ids first appear.
 */
export function checkedRows(rows: readonly IndexedItem[], dimension: number): IndexedItem[] {
  const byId = new Map<string, IndexedItem>();
  for (const row of rows) {
    if (typeof row.id !== "string" || row.id === "") throw new InputError("every item needs a non-empty string id");
    checkVector(row.vector, dimension, `vector of item ${JSON.stringify(row.id)}`);
    // LanceDB stores year as int32.
    if (row.year !== undefined && !(Number.isInteger(row.year) && Math.abs(row.year) < 2 ** 31)) {
      throw new InputError(`year of item ${JSON.stringify(row.id)} must be an integer, got ${row.year}`);
    }
    // A lone surrogate cannot be stored as UTF-8: LanceDB would silently turn it into U+FFFD.
    const attributeText = Object.entries(row.attributes ?? {}).flatMap(([name, value]) => [name, ...(typeof value === "string" ? [value] : Array.isArray(value) ? value : [])]);
    if ([row.id, row.title, row.text ?? "", ...row.genres, ...row.tags, ...attributeText].some((s) => LONE_SURROGATE.test(s))) {
      throw new InputError(`item ${JSON.stringify(row.id)} has text that is not well-formed Unicode`);
    }
    byId.set(row.id, row);
  }
  return [...byId.values()];
}

const LONE_SURROGATE = /\p{Cs}/u;
