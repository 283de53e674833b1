/**
 * fast-check generators and a naive reference for the VectorIndex property tests. Vector entries are small
 * multiples of 1/2, so dot products are exact in float32 and exact ties are common; ids, genres and
 * titles include quotes, backslashes, SQL fragments and non-ASCII text.
 */
import fc from "fast-check";
import { compareIds } from "./order.ts";
import type { Filter, IndexedItem, VectorIndex } from "./types.ts";

export const PROPERTY_DIMENSION = 3;

const GENRES = ["Comedy", "comedy", "Drama", "it's", "a\\b", "x') OR true OR ('", "Ünïcode 映画"];
const IDS = ["a", "b", "B", "a'b", "''", 'q"q', "x\\y", "é", "映画", "a b", "😀"];

const id = fc.oneof(fc.constantFrom(...IDS), fc.string({ unit: "grapheme", minLength: 1, maxLength: 4 }));
const genre = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GENRES) }, { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 4 }) });
const component = fc.constantFrom(-2, -1, -0.5, 0, 0.5, 1, 2);
const vector = fc.array(component, { minLength: PROPERTY_DIMENSION, maxLength: PROPERTY_DIMENSION }).map((v) => Float32Array.from(v));

export const arbitraryItem: fc.Arbitrary<IndexedItem> = fc
  .record({
    id,
    title: fc.constantFrom("Toy Story", "Heat", "It's", "Amélie", "x"),
    year: fc.option(fc.integer({ min: 1990, max: 1995 }), { nil: undefined }),
    genres: fc.uniqueArray(genre, { maxLength: 3 }),
    vector,
  })
  .map(({ year, ...rest }) => ({ ...rest, tags: [], ...(year === undefined ? {} : { year }) }));

export const arbitraryCatalog = fc.uniqueArray(arbitraryItem, { maxLength: 12, selector: (item) => item.id });

export const arbitraryFilter: fc.Arbitrary<Filter> = fc.record(
  {
    genresAny: fc.uniqueArray(genre, { maxLength: 3 }),
    genresNone: fc.uniqueArray(genre, { maxLength: 2 }),
    yearMin: fc.integer({ min: 1989, max: 1996 }),
    yearMax: fc.integer({ min: 1989, max: 1996 }),
    excludeIds: fc.uniqueArray(id, { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

export const arbitraryQuery = fc.record({ vector, k: fc.integer({ min: 0, max: 14 }), filter: fc.option(arbitraryFilter, { nil: undefined }) });

/** The Filter doc read literally, as a test oracle independent of filter.ts. */
function naiveMatches(item: IndexedItem, f: Filter): boolean {
  if (f.genresAny?.length && !item.genres.some((g) => f.genresAny!.includes(g))) return false;
  if (f.genresNone?.length && item.genres.some((g) => f.genresNone!.includes(g))) return false;
  if (f.yearMin !== undefined && (item.year === undefined || item.year < f.yearMin)) return false;
  if (f.yearMax !== undefined && (item.year === undefined || item.year > f.yearMax)) return false;
  return !f.excludeIds?.includes(item.id);
}

/** Filter, score every item, sort everything, cut at k: [id, score] pairs. */
/** A write to an index: rows to upsert, or ids to delete (some unknown). */
export type IndexStep = { upsert: IndexedItem[] } | { delete: string[] };

export const arbitraryStep: fc.Arbitrary<IndexStep> = fc.oneof(
  arbitraryCatalog.map((rows) => ({ upsert: rows })),
  fc.array(fc.constantFrom("a", "b", "B", "a'b", "é", "映画"), { maxLength: 4 }).map((ids) => ({ delete: ids })),
);

/** Applies the steps to `index` and returns what it should then hold, by id (the naive model of it). */
export async function applySteps(index: VectorIndex, steps: readonly IndexStep[]): Promise<Map<string, IndexedItem>> {
  const model = new Map<string, IndexedItem>();
  for (const s of steps) {
    if ("upsert" in s) {
      await index.upsert(s.upsert);
      for (const row of s.upsert) model.set(row.id, row);
    } else {
      await index.delete(s.delete);
      for (const id of s.delete) model.delete(id);
    }
  }
  return model;
}

export function naiveQuery(items: readonly IndexedItem[], query: { vector: Float32Array; k: number; filter?: Filter }): Array<[string, number]> {
  return items
    .filter((item) => naiveMatches(item, query.filter ?? {}))
    .map((item): [string, number] => [item.id, Math.fround(item.vector.reduce((sum, x, j) => sum + x * query.vector[j], 0))])
    .sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0]))
    .slice(0, query.k);
}
