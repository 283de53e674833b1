import { describe, expect, it } from "vitest";
import { alsSpec } from "./als.ts";
import { Blend } from "./blend.ts";
import { easeSpec } from "./ease.ts";
import { twoClusters } from "./fixtures.ts";
import { recommend } from "./recommend.ts";
import { describeRecommenderContract } from "./recommender.contract.ts";
import { restoreRecommender } from "./registry.ts";
import { type ModelSpec, resolveParams } from "./spec.ts";

const ALS = { factors: 4, iterations: 10, reg: 0.1, alpha: 2 };
const blendOf = (weight: number) => new Blend([easeSpec.create({ lambda: 1 }), alsSpec.create(resolveParams(alsSpec, ALS))], weight);

const blendSpec: ModelSpec<Blend> = {
  name: "blend",
  summary: "ease + als",
  params: { weight: { default: 0.5, min: 0, max: 1, help: "share of the first part" } },
  create: (p) => blendOf(p.weight),
  restore: (a) => restoreRecommender(a) as Blend,
};

describeRecommenderContract(blendSpec);

describe("Blend", () => {
  it.each([1, 0])("with weight %d ranks exactly as the part it keeps", async (weight) => {
    const { data } = twoClusters();
    const blend = blendOf(weight);
    await blend.fit(data);
    const users = Int32Array.from({ length: data.userCount }, (_, u) => u);
    const part = blend.parts[weight === 1 ? 0 : 1];
    expect(recommend(blend, users, 4, data.matrix).ids).toEqual(recommend(part, users, 4, data.matrix).ids);
  });

  it("standardises each part: a part's scale does not change the blend's ranking", async () => {
    const { data } = twoClusters();
    const blend = blendOf(0.5);
    await blend.fit(data);
    const history = [{ item: 0, weight: 1 }, { item: 3, weight: 1 }];
    const out = new Float32Array(blend.itemCount);
    blend.scoreHistory(history, out);
    let sum = 0;
    for (const v of out) sum += v;
    // Each standardised part has zero mean over the catalog, so the blend does too.
    expect(Math.abs(sum / out.length)).toBeLessThan(1e-5);
  });
});
