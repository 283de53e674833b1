import { describe, expect, it } from "vitest";
import { csrFromCoo, transpose } from "./csr.ts";
import { Interactions } from "./interactions.ts";

describe("CSR", () => {
  it("sorts each row by column and sums duplicates", () => {
    const m = csrFromCoo(2, 3, [1, 0, 1, 0, 1], [2, 1, 0, 1, 2], [1, 2, 3, 4, 5]);
    expect(Array.from(m.indptr)).toEqual([0, 1, 3]);
    expect(Array.from(m.indices)).toEqual([1, 0, 2]);
    expect(Array.from(m.values)).toEqual([6, 3, 6]);
  });

  it("transposes and transposes back to the same matrix", () => {
    const m = csrFromCoo(3, 4, [0, 0, 1, 2, 2], [3, 1, 0, 1, 2], [1, 2, 3, 4, 5]);
    const t = transpose(m);
    expect(Array.from(t.indptr)).toEqual([0, 1, 3, 4, 5]);
    expect(Array.from(t.indices)).toEqual([1, 0, 2, 2, 0]);
    expect(transpose(t)).toEqual(m);
  });
});

describe("Interactions", () => {
  it("assigns dense ids by first appearance and applies the value transform", () => {
    const rows = [
      { user: "u9", item: "b", value: 4, timestamp: 1 },
      { user: "u1", item: "a", value: 2, timestamp: 2 },
      { user: "u9", item: "a", value: 0, timestamp: 3 },
    ];
    const log = Interactions.fromRows(rows, "log", ["late"]);
    expect(log.users.toArray()).toEqual(["u9", "u1", "late"]);
    expect(log.items.toArray()).toEqual(["b", "a"]);
    expect(log.matrix.rows).toBe(3);
    expect(log.matrix.values[0]).toBeCloseTo(1 + Math.log1p(4), 6);
    expect(Array.from(Interactions.fromRows(rows).matrix.values)).toEqual([1, 1, 1]);
    expect(Array.from(log.byItem.indices)).toEqual([0, 0, 1]);
    // u9's row is [a, b] after sorting by item index (b=0, a=1): timestamps follow their entries.
    expect(Array.from(log.timestamps!)).toEqual([1, 3, 2]);
  });
});
