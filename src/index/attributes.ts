/**
 * The filterable attributes of every row (genres and year) laid out in typed arrays, so a Filter becomes a
 * predicate over a row number that reads a few integers: no strings, no Sets of genres, no allocation per
 * row. It is a third form of the meaning filter.ts gives a Filter (the property test holds it to
 * compileFilter's answers). Rows are whatever slots the owning index uses; a cleared row matches nothing.
 */
import type { Item } from "../core/types.ts";
import { checkFilter } from "./filter.ts";
import type { Filter } from "./types.ts";

/** Year of a row without one. Stored years are int32 with |year| < 2^31 (checks.ts), so this is never a real year. */
const NO_YEAR = -(2 ** 31);
const BITS = 32;

/** True when row `row` satisfies the compiled filter. */
export type RowPredicate = (row: number) => boolean;

export class ItemAttributes {
  /** Each genre spelling seen so far and its bit; bits are never reused, so a compiled mask stays valid. */
  private readonly genreBit = new Map<string, number>();
  /** Uint32 words of genre bits per row: grows by one word when the vocabulary passes a multiple of 32. */
  private words = 1;
  private genreBits: Uint32Array;
  private years: Int32Array;
  private present: Uint8Array;

  constructor(capacity = 64) {
    this.genreBits = new Uint32Array(capacity * this.words);
    this.years = new Int32Array(capacity).fill(NO_YEAR);
    this.present = new Uint8Array(capacity);
  }

  /** Records `item`'s attributes as row `row`, replacing what the row held. */
  set(row: number, item: Pick<Item, "genres" | "year">): void {
    for (const genre of item.genres) if (!this.genreBit.has(genre)) this.addGenre(genre);
    this.reserve(row + 1);
    const base = row * this.words;
    this.genreBits.fill(0, base, base + this.words);
    for (const genre of item.genres) {
      const bit = this.genreBit.get(genre)!;
      this.genreBits[base + (bit >>> 5)] |= 1 << (bit & 31);
    }
    this.years[row] = item.year ?? NO_YEAR;
    this.present[row] = 1;
  }

  /** Forgets row `row`: it matches no filter until it is set again. */
  clear(row: number): void {
    if (row >= this.present.length) return;
    this.present[row] = 0;
    this.genreBits.fill(0, row * this.words, (row + 1) * this.words);
    this.years[row] = NO_YEAR;
  }

  /**
   * The filter as a predicate over rows, or undefined when it constrains nothing (every row that is set
   * matches; the caller knows which those are). `rowOf` maps an id to
   * its row (undefined for unknown ids, which excludeIds then ignores). Valid until the next set/clear.
   */
  compile(filter: Filter | undefined, rowOf: (id: string) => number | undefined): RowPredicate | undefined {
    if (filter === undefined) return undefined;
    checkFilter(filter);
    const { genresAny, genresNone, yearMin, yearMax, excludeIds } = filter;
    const words = this.words;
    const bits = this.genreBits;
    const years = this.years;
    const present = this.present;
    let any: Uint32Array | undefined;
    if (genresAny?.length) {
      any = this.mask(genresAny);
      // Genres no row has ever had: nothing can match.
      if (any.every((word) => word === 0)) return () => false;
    }
    let none: Uint32Array | undefined;
    if (genresNone?.length) {
      none = this.mask(genresNone);
      // Genres no row has ever had exclude nothing.
      if (none.every((word) => word === 0)) none = undefined;
    }
    const hasYearBound = yearMin !== undefined || yearMax !== undefined;
    const lowest = yearMin ?? -Infinity;
    const highest = yearMax ?? Infinity;
    let excluded: Set<number> | undefined;
    if (excludeIds?.length) {
      excluded = new Set();
      for (const id of excludeIds) {
        const row = rowOf(id);
        if (row !== undefined) excluded.add(row);
      }
    }
    if (!any && !none && !hasYearBound && !excluded?.size) return undefined;
    return (row) => {
      if (present[row] !== 1) return false;
      const base = row * words;
      if (any) {
        let hit = false;
        for (let w = 0; w < words && !hit; w++) hit = (bits[base + w] & any[w]) !== 0;
        if (!hit) return false;
      }
      if (none) for (let w = 0; w < words; w++) if ((bits[base + w] & none[w]) !== 0) return false;
      if (hasYearBound) {
        const year = years[row];
        if (year === NO_YEAR || year < lowest || year > highest) return false;
      }
      return excluded === undefined || !excluded.has(row);
    };
  }

  /** One word per `words` with the bits of the known genres among `genres` (unknown ones: no bit). */
  private mask(genres: readonly string[]): Uint32Array {
    const mask = new Uint32Array(this.words);
    for (const genre of genres) {
      const bit = this.genreBit.get(genre);
      if (bit !== undefined) mask[bit >>> 5] |= 1 << (bit & 31);
    }
    return mask;
  }

  private addGenre(genre: string): void {
    const bit = this.genreBit.size;
    this.genreBit.set(genre, bit);
    if (bit < this.words * BITS) return;
    // A new word per row: copy every row's words into the wider layout.
    const rows = this.present.length;
    const wider = new Uint32Array(rows * (this.words + 1));
    for (let row = 0; row < rows; row++) wider.set(this.genreBits.subarray(row * this.words, (row + 1) * this.words), row * (this.words + 1));
    this.words++;
    this.genreBits = wider;
  }

  private reserve(rows: number): void {
    const capacity = this.present.length;
    if (rows <= capacity) return;
    const grown = Math.max(rows, capacity * 2);
    const genreBits = new Uint32Array(grown * this.words);
    genreBits.set(this.genreBits);
    this.genreBits = genreBits;
    const years = new Int32Array(grown).fill(NO_YEAR);
    years.set(this.years);
    this.years = years;
    const present = new Uint8Array(grown);
    present.set(this.present);
    this.present = present;
  }
}
