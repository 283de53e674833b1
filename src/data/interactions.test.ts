import { describe, expect, it } from "vitest";
import type { InteractionRow } from "../core/types.ts";
import { BM25_B, BM25_K1, bm25Weight, Interactions } from "./interactions.ts";

const row = (user: string, item: string, value: number, timestamp = 0): InteractionRow => ({ user, item, value, timestamp });

describe("bm25 weighting", () => {
  // u1 played a 3 times and b once; u2 played a 6 times. Item a has both users, b one.
  const rows = [row("u1", "a", 3), row("u1", "b", 1), row("u2", "a", 6)];

  it("saturates counts, normalises by history length and weighs rare items up, as the formula says", () => {
    const m = Interactions.fromRows(rows, "bm25").matrix;
    const meanLength = (4 + 6) / 2;
    const idf = (df: number) => Math.log(1 + (2 - df + 0.5) / (df + 0.5));
    const weight = (v: number, length: number, df: number) => ((v * (BM25_K1 + 1)) / (BM25_K1 * (1 - BM25_B + (BM25_B * length) / meanLength) + v)) * idf(df);
    expect(Array.from(m.values)).toEqual([weight(3, 4, 2), weight(1, 4, 1), weight(6, 6, 2)].map(Math.fround));
    // The rarer item gets the larger weight per play, and every weight stays positive.
    expect(m.values[1]).toBeGreaterThan(m.values[0] / 3);
    expect(Math.min(...m.values)).toBeGreaterThan(0);
  });

  it("sums repeated rows before weighting, and skips empty rows in the mean history length", () => {
    const repeated = Interactions.fromRows([row("u1", "a", 1), row("u1", "a", 2), row("u1", "b", 1), row("u2", "a", 6)], "bm25", ["u3"]);
    const once = Interactions.fromRows(rows, "bm25");
    expect(Array.from(repeated.matrix.values)).toEqual(Array.from(once.matrix.values));
  });

  it("leaves an empty matrix alone", () => {
    const empty = { rows: 2, cols: 0, indptr: new Int32Array(3), indices: new Int32Array(0), values: new Float32Array(0) };
    bm25Weight(empty);
    expect(empty.values.length).toBe(0);
  });
});
