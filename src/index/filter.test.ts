import { describe, expect, it } from "vitest";
import type { Item } from "../core/types.ts";
import { compileFilter, filterToSql, sqlString } from "./filter.ts";

// lancedb.test.ts runs both forms against each other on random data; these pin the SQL text and the edges.
describe("filter", () => {
  it("quotes string literals by doubling single quotes and nothing else", () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString("x') OR true --")).toBe("'x'') OR true --'");
    expect(sqlString("a\\b \"c\" 映画")).toBe("'a\\b \"c\" 映画'");
  });

  it("writes one parenthesised clause per constrained field", () => {
    expect(filterToSql({ genresAny: ["Comedy", "Children's"], genresNone: ["Horror"], yearMin: 1990, yearMax: 1999, excludeIds: ["a", "b'"] })).toBe(
      "(array_has_any(genres, make_array('Comedy', 'Children''s'))) AND (NOT array_has_any(genres, make_array('Horror')))" +
        " AND (year >= 1990) AND (year <= 1999) AND (id NOT IN ('a', 'b'''))",
    );
  });

  it("treats a missing filter, missing fields and empty lists as no constraint", () => {
    const item: Item = { id: "a", title: "A", genres: [], tags: [] };
    for (const filter of [undefined, {}, { genresAny: [], genresNone: [], excludeIds: [] }]) {
      expect(filterToSql(filter)).toBeUndefined();
      expect(compileFilter(filter)(item)).toBe(true);
    }
  });

  it("rejects year bounds that are not finite numbers", () => {
    for (const yearMin of [Number.NaN, Infinity, "1990 OR 1=1" as unknown as number]) {
      expect(() => filterToSql({ yearMin })).toThrow(/finite number/);
      expect(() => compileFilter({ yearMin })).toThrow(/finite number/);
    }
  });
});
