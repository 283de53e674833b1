import { describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.ts";
import type { InteractionRow } from "../../core/types.ts";
import { Interactions } from "../../data/interactions.ts";
import { resolveParams } from "../spec.ts";
import { baselineSpec } from "./baseline.ts";
import { describeRatingModelContract } from "./rating.contract.ts";

describeRatingModelContract(baselineSpec);

const rating = (user: string, item: string, value: number): InteractionRow => ({ user, item, value, timestamp: 0 });

async function fit(rows: InteractionRow[], params: Record<string, number>) {
  const data = Interactions.fromRows(rows, "raw");
  const model = baselineSpec.create(resolveParams(baselineSpec, params));
  await model.fit(data);
  const predict = (user: string, item: string) => model.predict(data.users.get(user) ?? -1, data.items.get(item) ?? -1);
  return { model, predict };
}

describe("baseline", () => {
  // u0 rates i0 5 and i1 3, u1 rates i0 4; mu = 4. One ALS sweep, items first (b_u = 0), then users.
  const twoByTwo = [rating("u0", "i0", 5), rating("u0", "i1", 3), rating("u1", "i0", 4)];

  it("solves one ALS sweep by hand with regularisation", async () => {
    // b_i0 = (1 + 0) / (1 + 2) = 1/3, b_i1 = -1 / (1 + 1) = -1/2;
    // b_u0 = ((1 - 1/3) + (-1 + 1/2)) / (1 + 2) = 1/18, b_u1 = (0 - 1/3) / (1 + 1) = -1/6.
    const { predict } = await fit(twoByTwo, { epochs: 1, reg_u: 1, reg_i: 1 });
    expect(predict("u1", "i1")).toBeCloseTo(4 - 1 / 6 - 1 / 2, 6);
    expect(predict("u0", "i0")).toBeCloseTo(4 + 1 / 18 + 1 / 3, 6);
    expect(predict("u0", "nobody-rated-this")).toBeCloseTo(4 + 1 / 18, 6);
    expect(predict("stranger", "i1")).toBeCloseTo(4 - 1 / 2, 6);
    expect(predict("stranger", "nobody-rated-this")).toBeCloseTo(4, 6);
  });

  it("solves one ALS sweep by hand without regularisation, clipping below the train minimum", async () => {
    // b_i0 = 1/2, b_i1 = -1; b_u0 = ((1 - 1/2) + (-1 + 1)) / 2 = 1/4, b_u1 = (0 - 1/2) / 1 = -1/2.
    const { predict } = await fit(twoByTwo, { epochs: 1, reg_u: 0, reg_i: 0 });
    expect(predict("u0", "i1")).toBeCloseTo(3.25, 6);
    // 4 - 1/2 - 1 = 2.5, but train never went below 3.
    expect(predict("u1", "i1")).toBe(3);
  });

  it("clips above the train maximum", async () => {
    // mu = 11/3; b_i0 = -2/3, b_i1 = 4/3; b_u0 = 2, b_u1 = -1: u0 on i1 would be 7.
    const rows = [rating("u0", "i0", 5), rating("u1", "i0", 1), rating("u1", "i1", 5)];
    const { predict } = await fit(rows, { epochs: 1, reg_u: 0, reg_i: 0 });
    expect(predict("u0", "i1")).toBe(5);
    expect(predict("u1", "i0")).toBeCloseTo(2, 6);
  });

  it("refuses a training set without ratings", async () => {
    await expect(fit([], {})).rejects.toThrow(InputError);
  });
});
