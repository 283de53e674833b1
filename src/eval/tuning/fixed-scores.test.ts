import { describe, expect, it } from "vitest";
import { splitByUser } from "../../data/split.ts";
import { Blend } from "../../models/blend.ts";
import { easeSpec } from "../../models/ease.ts";
import { itemKnnSpec } from "../../models/itemknn.ts";
import { p1Data } from "../p1.ts";
import { scoreTopN } from "../topn.ts";
import { FixedScores, scoreRows } from "./fixed-scores.ts";
import { syntheticRows } from "./synthetic.ts";

describe("stored scores", () => {
  const rows = syntheticRows({ users: 60, items: 40, eventsPerUser: 10, clusters: 4, drift: 0.2, values: "binary", seed: 3 });
  const split = splitByUser(rows);
  const data = p1Data(split.train, split.test);

  it.each([{ tau: 0, floor: 1 }, { tau: 3, floor: 0.1 }])("rank exactly as the model they came from (recency %o)", async (recency) => {
    const model = easeSpec.create({ lambda: 5 });
    await model.fit(data.train);
    const stored = new FixedScores(data.testUsers, scoreRows(model, data.train, data.testUsers, recency), model.itemCount);
    expect(scoreTopN(stored, data).metrics).toEqual(scoreTopN(model, data, { recency }).metrics);
  });

  it("blend through the real Blend as the fitted parts do", async () => {
    const parts = [easeSpec.create({ lambda: 5 }), itemKnnSpec.create({ k: 5 })] as const;
    for (const part of parts) await part.fit(data.train);
    const stored = parts.map((m) => new FixedScores(data.testUsers, scoreRows(m, data.train, data.testUsers, { tau: 0, floor: 1 }), m.itemCount));
    expect(scoreTopN(new Blend([stored[0], stored[1]], 0.3), data).metrics).toEqual(scoreTopN(new Blend([parts[0], parts[1]], 0.3), data).metrics);
  });

  it("refuse users they hold no scores for", () => {
    const stored = new FixedScores(Int32Array.of(4), new Float32Array(3), 3);
    expect(() => stored.scoreUsers(Int32Array.of(5), new Float32Array(3))).toThrow(/no stored scores for user 5/);
  });
});
