import { describe, expect, it } from "vitest";
import type { Csr } from "../../data/csr.ts";
import { entriesInTimeOrder } from "./visit-order.ts";

describe("entriesInTimeOrder", () => {
  // Row 0 rated items 0, 1, 2 (positions 0..2); row 1 nothing; row 2 rated items 0 and 3 (positions 3, 4).
  const m: Csr = {
    rows: 3,
    cols: 4,
    indptr: Int32Array.from([0, 3, 3, 5]),
    indices: Int32Array.from([0, 1, 2, 0, 3]),
    values: Float32Array.from([1, 1, 1, 1, 1]),
  };

  it("sorts each row's positions by time, leaving rows where they are", () => {
    expect(Array.from(entriesInTimeOrder(m, Float64Array.from([30, 10, 20, 2, 1])))).toEqual([1, 2, 0, 4, 3]);
  });

  it("breaks ties by item index", () => {
    expect(Array.from(entriesInTimeOrder(m, Float64Array.from([7, 7, 3, 5, 5])))).toEqual([2, 0, 1, 3, 4]);
  });
});
