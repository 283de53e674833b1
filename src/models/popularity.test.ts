import { describe, expect, it } from "vitest";
import { twoClusters } from "./fixtures.ts";
import { popularitySpec } from "./popularity.ts";
import { describeRecommenderContract } from "./recommender.contract.ts";

describeRecommenderContract(popularitySpec, { personalised: false });

describe("popularity", () => {
  it("counts distinct users per item", async () => {
    const { data } = twoClusters();
    const m = popularitySpec.create({});
    await m.fit(data);
    const out = new Float32Array(data.itemCount);
    m.scoreHistory([], out);
    // i0..i2: two of three cluster users plus the fan; i3..i5: two of three.
    expect(["i0", "i1", "i2", "i3", "i4", "i5"].map((id) => out[data.items.get(id)!])).toEqual([3, 3, 3, 2, 2, 2]);
  });
});
