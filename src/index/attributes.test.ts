import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ItemAttributes } from "./attributes.ts";
import { compileFilter } from "./filter.ts";
import { arbitraryCatalog, arbitraryFilter } from "./index.arbitraries.ts";

describe("ItemAttributes", () => {
  it("compiles every filter to the same answers as compileFilter, row by row", () => {
    fc.assert(
      fc.property(arbitraryCatalog, fc.array(fc.nat(), { maxLength: 4 }), arbitraryFilter, (catalog, cleared, filter) => {
        const attributes = new ItemAttributes(2);
        catalog.forEach((item, row) => attributes.set(row, item));
        const gone = new Set(cleared.map((c) => c % Math.max(1, catalog.length)));
        for (const row of gone) attributes.clear(row);
        const rowOf = (id: string) => {
          const row = catalog.findIndex((item) => item.id === id);
          return row < 0 ? undefined : row;
        };
        // No predicate means every row that is set matches.
        const matches = attributes.compile(filter, rowOf) ?? ((row: number) => !gone.has(row));
        const reference = compileFilter(filter);
        catalog.forEach((item, row) => expect(matches(row), `row ${row}`).toBe(!gone.has(row) && reference(item)));
      }),
      { numRuns: 500 },
    );
  });

  it("keeps rows' genres when the vocabulary outgrows a 32-bit word", () => {
    const attributes = new ItemAttributes(1);
    const genres = Array.from({ length: 70 }, (_, i) => `g${i}`);
    genres.forEach((genre, row) => attributes.set(row, { genres: [genre, "common"] }));
    const rowOf = () => undefined;
    for (const [row, genre] of genres.entries()) {
      const matches = attributes.compile({ genresAny: [genre] }, rowOf)!;
      expect(genres.map((_, r) => matches(r))).toEqual(genres.map((_, r) => r === row));
    }
    expect(attributes.compile({ genresNone: ["common"] }, rowOf)!(69)).toBe(false);
  });

  it("returns no predicate for a filter that constrains nothing", () => {
    const attributes = new ItemAttributes();
    attributes.set(0, { genres: ["Drama"], year: 1999 });
    const rowOf = () => undefined;
    for (const filter of [undefined, {}, { genresAny: [] }, { genresNone: ["never seen"] }, { excludeIds: ["unknown"] }]) {
      expect(attributes.compile(filter, rowOf)).toBeUndefined();
    }
    expect(attributes.compile({ genresAny: ["never seen"] }, rowOf)!(0)).toBe(false);
  });

  it("rejects a malformed filter as an input error", () => {
    const attributes = new ItemAttributes();
    expect(() => attributes.compile({ yearMin: Number.NaN }, () => undefined)).toThrow(/yearMin/);
    expect(() => attributes.compile({ genresAny: "Drama" as unknown as string[] }, () => undefined)).toThrow(/genresAny/);
  });
});
