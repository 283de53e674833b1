/**
 * One meaning of a Filter, two forms here: a predicate over an Item (MemoryIndex) and a SQL where clause
 * (LanceDB, which hands it to DataFusion); attributes.ts has a third, over typed columns (HnswIndex). The
 * contract and property tests hold them to the same answers.
 *
 * Semantics beyond the interface doc: an empty list (genresAny: [], excludeIds: []) constrains nothing,
 * so a client can send "no selection" as []; genres compare exactly (case-sensitive), as the catalog spells them.
 */
import type { Item } from "../core/types.ts";
import { InputError } from "../core/errors.ts";
import type { Filter } from "./types.ts";

export function compileFilter(filter: Filter | undefined): (item: Item) => boolean {
  if (filter === undefined) return () => true;
  checkFilter(filter);
  const tests: Array<(item: Item) => boolean> = [];
  const { genresAny, genresNone, yearMin, yearMax, excludeIds } = filter;
  if (genresAny?.length) {
    const wanted = new Set(genresAny);
    tests.push((item) => item.genres.some((g) => wanted.has(g)));
  }
  if (genresNone?.length) {
    const unwanted = new Set(genresNone);
    tests.push((item) => !item.genres.some((g) => unwanted.has(g)));
  }
  if (yearMin !== undefined) tests.push((item) => item.year !== undefined && item.year >= yearMin);
  if (yearMax !== undefined) tests.push((item) => item.year !== undefined && item.year <= yearMax);
  if (excludeIds?.length) {
    const excluded = new Set(excludeIds);
    tests.push((item) => !excluded.has(item.id));
  }
  return (item) => tests.every((test) => test(item));
}

/**
 * The same filter as a where clause over the columns id, year (int32, null when unknown) and genres
 * (list<utf8>, never null). Undefined when the filter constrains nothing.
 */
export function filterToSql(filter: Filter | undefined): string | undefined {
  if (filter === undefined) return undefined;
  checkFilter(filter);
  const clauses: string[] = [];
  const { genresAny, genresNone, yearMin, yearMax, excludeIds } = filter;
  if (genresAny?.length) clauses.push(`array_has_any(genres, ${sqlArray(genresAny)})`);
  if (genresNone?.length) clauses.push(`NOT array_has_any(genres, ${sqlArray(genresNone)})`);
  // A null year makes the comparison null, which WHERE treats as false: "no year fails any year bound".
  if (yearMin !== undefined) clauses.push(`year >= ${yearMin}`);
  if (yearMax !== undefined) clauses.push(`year <= ${yearMax}`);
  if (excludeIds?.length) clauses.push(`id NOT IN (${excludeIds.map(sqlString).join(", ")})`);
  return clauses.length ? clauses.map((c) => `(${c})`).join(" AND ") : undefined;
}

/**
 * A SQL string literal for any JS string. DataFusion reads '' as a quote and nothing else as an escape
 * (a backslash is a plain character), so doubling quotes is the whole job.
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function sqlArray(values: readonly string[]): string {
  return `make_array(${values.map(sqlString).join(", ")})`;
}

/** Rejects a filter whose fields have the wrong types (an InputError, so HTTP answers 400). */
export function checkFilter(filter: Filter): void {
  for (const key of ["yearMin", "yearMax"] as const) {
    const bound = filter[key];
    // Only finite numbers may reach the SQL text: NaN or Infinity would not parse, and a string could inject.
    if (bound !== undefined && !(typeof bound === "number" && Number.isFinite(bound))) {
      throw new InputError(`filter.${key} must be a finite number, got ${String(bound)}`);
    }
  }
  for (const key of ["genresAny", "genresNone", "excludeIds"] as const) {
    const list = filter[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((s) => typeof s === "string"))) {
      throw new InputError(`filter.${key} must be a list of strings`);
    }
  }
}
