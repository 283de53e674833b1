import { describe, expect, it } from "vitest";
import { alsSpec } from "../../models/als.ts";
import { easeSpec } from "../../models/ease.ts";
import { twoClusters } from "../../models/fixtures.ts";
import { resolveParams } from "../../models/spec.ts";
import { ItemStore } from "../item-store.ts";
import { DenseScorer } from "./dense-scorer.ts";

async function setup() {
  const { data, missing } = twoClusters();
  const model = easeSpec.create({ lambda: 1 });
  await model.fit(data);
  const space = alsSpec.create(resolveParams(alsSpec, { factors: 4, iterations: 15, reg: 0.1, alpha: 10 }));
  await space.fit(data);
  const ids = data.items.toArray();
  const genres: Record<string, string[]> = { i0: ["A"], i1: ["A"], i2: ["A", "Kids"], i3: ["B"], i4: ["B"], i5: ["B", "Kids"] };
  const store = new ItemStore(ids.map((id) => ({ id, title: id, genres: genres[id], tags: [] })));
  const history = (user: number) => Array.from(data.matrix.indices.subarray(data.matrix.indptr[user], data.matrix.indptr[user + 1]), (item) => ({ item, weight: 1 }));
  return { data, missing, model, space, ids, store, history, scorer: new DenseScorer(model, space, ids, store) };
}

describe("DenseScorer", () => {
  it("ranks trained items by the model's own scores", async () => {
    const { data, missing, ids, history, scorer, model } = await setup();
    for (const [user, item] of missing) {
      const seen = history(user).map((h) => ids[h.item]);
      const got = await scorer.retrieve(history(user), 2, { excludeIds: seen });
      expect(got[0].item.id).toBe(ids[item]);
      const scores = new Float32Array(data.itemCount);
      model.scoreHistory(history(user), scores);
      expect(got[0].score).toBe(scores[item]);
    }
  });

  it("applies filters and exclusions against the catalog's current items (deletes count at once)", async () => {
    const { store, history, scorer, ids } = await setup();
    const kids = await scorer.retrieve(history(0), 5, { genresAny: ["Kids"] });
    expect(kids.map((s) => s.item.id).sort()).toEqual(["i2", "i5"]);
    store.delete("i2");
    const after = await scorer.retrieve(history(0), 10, {});
    expect(after.map((s) => s.item.id)).not.toContain("i2");
    expect(after).toHaveLength(ids.length - 1);
  });

  it("with a bound, gives onboarded items at most their share of the slots, the best of them", async () => {
    const { store, history, data, ids, model, space } = await setup();
    const f = space.factors;
    const i1 = data.items.get("i1")!;
    // Three new items where cluster A's i1 lies: all ahead for u0 unbounded; one slot in 5 at share 0.2.
    for (const id of ["n1", "n2", "n3"]) store.putOnboarded({ id, title: id, genres: [], tags: [], vector: space.itemVectors().slice(i1 * f, (i1 + 1) * f) });
    const u0 = data.users.get("u0")!;
    const seen = history(u0).map((h) => ids[h.item]);
    const onboardedIn = async (scorer: DenseScorer) => (await scorer.retrieve(history(u0), 5, { excludeIds: seen })).filter((s) => s.item.id.startsWith("n")).length;
    expect(await onboardedIn(new DenseScorer(model, space, ids, store))).toBe(3);
    expect(await onboardedIn(new DenseScorer(model, space, ids, store, 0.2))).toBe(1);
  });

  it("puts an onboarded item on the model's scale by its place in the item space: ahead for its fans, behind for others", async () => {
    const { store, history, scorer, space, data, ids } = await setup();
    const f = space.factors;
    const i1 = data.items.get("i1")!;
    // A new item that lies where cluster A's i1 lies in the space.
    store.putOnboarded({ id: "new", title: "new", genres: ["A"], tags: [], vector: space.itemVectors().slice(i1 * f, (i1 + 1) * f) });
    const ranked = async (user: string) => {
      const u = data.users.get(user)!;
      const seen = history(u).map((h) => ids[h.item]);
      return (await scorer.retrieve(history(u), 10, { excludeIds: seen })).map((s) => s.item.id);
    };
    const fan = await ranked("u0"); // has i0, i1 of cluster A
    expect(fan.indexOf("new")).toBeLessThan(Math.min(...["i3", "i4", "i5"].map((id) => fan.indexOf(id))));
    const other = await ranked("u4"); // cluster B
    expect(other.indexOf("new")).toBeGreaterThan(Math.max(...["i3", "i5"].filter((id) => other.includes(id)).map((id) => other.indexOf(id))));
  });
});
