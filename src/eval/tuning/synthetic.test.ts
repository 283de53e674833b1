import { describe, expect, it } from "vitest";
import { syntheticRows } from "./synthetic.ts";

describe("syntheticRows", () => {
  const shape = { users: 50, items: 30, eventsPerUser: 8, clusters: 3, drift: 0.2, values: "counts", seed: 9 } as const;

  it("is deterministic for a seed", () => {
    expect(syntheticRows(shape)).toEqual(syntheticRows(shape));
    expect(syntheticRows({ ...shape, seed: 10 })).not.toEqual(syntheticRows(shape));
  });

  it("gives every user at least 5 distinct items in time order, with values of the kind asked for", () => {
    const rows = syntheticRows(shape);
    const byUser = new Map<string, typeof rows>();
    for (const r of rows) byUser.set(r.user, [...(byUser.get(r.user) ?? []), r]);
    expect(byUser.size).toBe(50);
    for (const list of byUser.values()) {
      expect(list.length).toBeGreaterThanOrEqual(5);
      expect(new Set(list.map((r) => r.item)).size).toBe(list.length);
      expect(list.every((r, k) => k === 0 || r.timestamp > list[k - 1].timestamp)).toBe(true);
    }
    expect(rows.every((r) => Number.isInteger(r.value) && r.value >= 1)).toBe(true);
    expect(Math.max(...rows.map((r) => r.value))).toBeGreaterThan(10);
    expect(new Set(syntheticRows({ ...shape, values: "ratings" }).map((r) => r.value)).size).toBeLessThanOrEqual(5);
  });
});
