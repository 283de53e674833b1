import { describe, expect, it } from "vitest";
import type { InteractionRow, Item } from "../core/types.ts";
import { type FactorTable, importFactors } from "./imported.ts";
import { decodeModel, encodeModel } from "./persist.ts";
import { isItemFoldIn } from "./recommender.ts";
import { restoreRecommender } from "./registry.ts";

/** Two factors: an "action" axis and a "romance" axis; the factor file lists items in its own order. */
const ITEM_VECTORS: Record<string, [number, number]> = {
  r1: [0, 1],
  a1: [1, 0],
  a2: [0.9, 0.2],
  r2: [0.2, 0.9],
  a3: [0.8, -0.1],
  r3: [-0.1, 0.8],
};
const CATALOG: Item[] = ["a1", "a2", "a3", "r1", "r2", "r3", "unfactored"].map((id) => ({ id, title: id.toUpperCase(), genres: [], tags: [] }));

function table(vectors: Record<string, readonly number[]>, source = "factors"): FactorTable {
  const ids = Object.keys(vectors);
  const dimension = vectors[ids[0]].length;
  return { ids, vectors: Float32Array.from(ids.flatMap((id) => [...vectors[id]])), dimension, source };
}

/**
 * The implicit-ALS fold-in worked out independently for f = 2: (YtY + reg I + sum_i (c_i - 1) y_i y_i^T) x =
 * sum_i c_i y_i with c_i = 1 + alpha w_i, solved by Cramer's rule in float64.
 */
function referenceFoldIn(history: Record<string, number>, reg: number, alpha: number): [number, number] {
  let [a, b, d] = [reg, 0, reg]; // symmetric [[a, b], [b, d]]
  for (const [y0, y1] of Object.values(ITEM_VECTORS)) [a, b, d] = [a + y0 * y0, b + y0 * y1, d + y1 * y1];
  let [r0, r1] = [0, 0];
  for (const [id, w] of Object.entries(history)) {
    const [y0, y1] = ITEM_VECTORS[id];
    const c = 1 + alpha * w;
    [a, b, d] = [a + (c - 1) * y0 * y0, b + (c - 1) * y0 * y1, d + (c - 1) * y1 * y1];
    [r0, r1] = [r0 + c * y0, r1 + c * y1];
  }
  const det = a * d - b * b;
  return [(d * r0 - b * r1) / det, (a * r1 - b * r0) / det];
}

/** Item ids by score x . y, best first, without `exclude`. */
function ranked(x: readonly number[], exclude: string[] = []): string[] {
  const score = (id: string) => x[0] * ITEM_VECTORS[id][0] + x[1] * ITEM_VECTORS[id][1];
  return Object.keys(ITEM_VECTORS).filter((id) => !exclude.includes(id)).sort((p, q) => score(q) - score(p));
}

const row = (user: string, item: string, value = 1, timestamp = 0): InteractionRow => ({ user, item, value, timestamp });

describe("importFactors", () => {
  it("keeps the imported item vectors, in the items file's order", () => {
    const { saved, items, report } = importFactors({ items: table(ITEM_VECTORS), catalog: CATALOG });
    expect(saved.items).toEqual(["a1", "a2", "a3", "r1", "r2", "r3"]);
    expect(items.map((i) => i.title)).toEqual(["A1", "A2", "A3", "R1", "R2", "R3"]);
    expect(Array.from(saved.artifact.arrays.itemFactors)).toEqual(saved.items.flatMap((id) => ITEM_VECTORS[id]).map(Math.fround));
    expect(saved.artifact.model).toBe("als");
    expect(saved.artifact.meta?.importedFrom).toEqual(["factors"]);
    expect(report).toMatchObject({ items: 6, factors: 2, importedUsers: 0, foldedInUsers: 0, catalogWithoutFactors: 1, skippedRows: 0 });
  });

  it("folds a new history in by the implicit-ALS normal equations with the given reg and alpha", () => {
    for (const [reg, alpha] of [[0.5, 2], [3, 0]]) {
      const { model, saved } = importFactors({ items: table(ITEM_VECTORS), catalog: CATALOG, fold: { reg, alpha } });
      expect(model.params).toMatchObject({ reg, alpha, factors: 2 });
      const history = { a1: 1, a2: 2 };
      const x = model.foldIn(Object.entries(history).map(([id, weight]) => ({ item: saved.items.indexOf(id), weight })));
      const want = referenceFoldIn(history, reg, alpha);
      expect(x[0]).toBeCloseTo(want[0], 5);
      expect(x[1]).toBeCloseTo(want[1], 5);
      // The action history's best unseen item is the third action item.
      expect(ranked(Array.from(x), ["a1", "a2"])[0]).toBe("a3");
    }
  });

  it("without fold settings uses our ALS defaults (reg 10, alpha 0.25)", () => {
    expect(importFactors({ items: table(ITEM_VECTORS), catalog: CATALOG }).model.params).toMatchObject({ reg: 10, alpha: 0.25 });
  });

  it("imported users keep their vectors; users only in the interactions get the fold-in of their history", () => {
    const users = table({ u1: [0.5, -1], u2: [2, 0] }, "users");
    const interactions = [row("u2", "a1"), row("u3", "r1"), row("u3", "r2", 3), row("u3", "ghost"), row("u4", "ghost")];
    const { saved, model, report } = importFactors({ items: table(ITEM_VECTORS), users, catalog: CATALOG, interactions, fold: { reg: 0.5, alpha: 2 } });
    expect(saved.users).toEqual(["u1", "u2", "u3"]);
    expect(report).toMatchObject({ importedUsers: 2, foldedInUsers: 1, skippedRows: 2 });
    const u = model.factorMatrices().users;
    expect(Array.from(u.subarray(0, 4))).toEqual([0.5, -1, 2, 0]);
    const want = referenceFoldIn({ r1: 1, r2: 1 }, 0.5, 2); // binary weighting by default
    expect(u[4]).toBeCloseTo(want[0], 5);
    expect(u[5]).toBeCloseTo(want[1], 5);
    // Histories are what is excluded from lists: u1 none, u2 a1, u3 r1 and r2.
    const seenOf = (k: number) => Array.from(saved.seen.indices.subarray(saved.seen.indptr[k], saved.seen.indptr[k + 1]), (i) => saved.items[i]);
    expect([0, 1, 2].map(seenOf)).toEqual([[], ["a1"], ["r1", "r2"]]);
    expect(saved.seenAges).toHaveLength(saved.seen.indices.length);
  });

  it("survives save and load, and the restored model scores known users from their imported vectors", () => {
    const users = table({ u1: [0.5, -1] }, "users");
    const { saved } = importFactors({ items: table(ITEM_VECTORS), users, catalog: CATALOG });
    const { header, body } = encodeModel(saved);
    const back = decodeModel(header, body, "model.json");
    const restored = restoreRecommender(back.artifact);
    const scores = new Float32Array(restored.itemCount);
    restored.scoreUsers(Int32Array.of(0), scores);
    const order = Array.from(scores.keys()).sort((p, q) => scores[q] - scores[p]).map((i) => back.items[i]);
    expect(order).toEqual(ranked([0.5, -1]));
  });

  it("places an onboarded item from its users' feedback by ALS's item step over the imported users' vectors, after a save and load too", () => {
    const users = table({ action: [2, 0], romance: [0.2, 1.5] }, "users");
    const { saved } = importFactors({ items: table(ITEM_VECTORS), users, catalog: CATALOG, fold: { reg: 0.5, alpha: 2 } });
    const { header, body } = encodeModel(saved);
    const restored = restoreRecommender(decodeModel(header, body, "model.json").artifact);
    if (!isItemFoldIn(restored)) throw new Error("an imported model cannot place items from feedback");
    const evidence = restored.itemEvidence();
    evidence.add(Float32Array.of(2, 0), 1, true);
    const placed = evidence.solve();
    // (XtX + reg I + (c - 1) x x^T) y = c x for the action fan (c = 1 + 2 * 1), the romance fan a 0; by Cramer's rule.
    const [a, b, d] = [4 + 0.04 + 0.5 + 2 * 4, 0.3, 2.25 + 0.5];
    const det = a * d - b * b;
    expect(placed[0]).toBeCloseTo((d * 6) / det, 5);
    expect(placed[1]).toBeCloseTo((-b * 6) / det, 5);
    expect(ranked(Array.from(placed))[0]).toBe("a1");
  });

  it("refuses ids missing from the items file, mismatched dimensions, duplicates and non-finite factors", () => {
    const items = table(ITEM_VECTORS, "spark/itemFactors");
    expect(() => importFactors({ items: table({ ...ITEM_VECTORS, x1: [1, 1], x2: [0, 0] }, "spark/itemFactors"), catalog: CATALOG })).toThrow(
      /2 of 8 item ids in spark\/itemFactors are not in the items file \(e\.g\. x1, x2\): give the items file the factors were trained on/,
    );
    expect(() => importFactors({ items, users: table({ u1: [1, 2, 3] }, "spark/userFactors"), catalog: CATALOG })).toThrow(
      /dimension mismatch: user factors \(spark\/userFactors\) have 3 values per row, item factors \(spark\/itemFactors\) 2/,
    );
    expect(() => importFactors({ items: { ...items, ids: ["a1", "a1", "a2", "a3", "r1", "r2"] }, catalog: CATALOG })).toThrow(/item id a1 appears twice/);
    const nan = table({ ...ITEM_VECTORS, r3: [Number.NaN, 1] });
    expect(() => importFactors({ items: nan, catalog: CATALOG })).toThrow(/factors: item r3 has a non-finite factor \(NaN\)/);
    expect(() => importFactors({ items, catalog: CATALOG, fold: { reg: "lots" } })).toThrow(/als parameter reg=lots is invalid/);
    expect(() => importFactors({ items, catalog: CATALOG, fold: { alpha: -1 } })).toThrow(/als parameter alpha=-1 is invalid/);
  });
});
