import { describe, expect, it } from "vitest";
import type { FactorRecommender } from "../../models/recommender.ts";
import { ItemStore } from "../item-store.ts";
import { SimilarItems } from "./similar-items.ts";

/**
 * Item vectors as a popularity-biased factor model lays them out: the blockbuster's vector is long and points
 * roughly everywhere, the sequel's is short and points where the film's does. By dot product the film's
 * nearest item is the blockbuster (1*10 + 1*2 = 12 against 0.3 * (0.9 + 1.1) = 0.6); by cosine it is the
 * sequel (0.995 against 0.83).
 */
const VECTORS: Record<string, [number, number]> = {
  film: [1, 1],
  sequel: [0.27, 0.33],
  blockbuster: [10, 2],
  other: [-1, 3],
};
const IDS = Object.keys(VECTORS);

function fixedSpace(): FactorRecommender {
  const vectors = Float32Array.from(IDS.flatMap((id) => VECTORS[id]));
  return { factors: 2, itemCount: IDS.length, itemVectors: () => vectors } as unknown as FactorRecommender;
}

const catalog = () => new ItemStore(IDS.map((id) => ({ id, title: id, genres: [], tags: [] })));

describe("SimilarItems", () => {
  it("ranks by cosine: the sequel, where the dot product would pick the blockbuster", () => {
    const got = new SimilarItems(fixedSpace(), IDS, catalog()).of("film", 3);
    expect(got.map((s) => s.item.id)).toEqual(["sequel", "blockbuster", "other"]);
    expect(got[0].score).toBeCloseTo(0.6 / Math.sqrt(2 * (0.27 ** 2 + 0.33 ** 2)), 5);
  });

  it("leaves out the item itself and deleted items, and includes onboarded items by their vectors", () => {
    const store = catalog();
    store.delete("sequel");
    store.putOnboarded({ id: "remake", title: "remake", genres: [], tags: [], vector: Float32Array.of(2, 2.1) });
    const similar = new SimilarItems(fixedSpace(), IDS, store);
    expect(similar.of("film", 2).map((s) => s.item.id)).toEqual(["remake", "blockbuster"]);
    expect(similar.of("remake", 1)[0].item.id).toBe("film");
    expect(similar.of("nothing", 3)).toEqual([]);
  });
});
