import { describe, expect, it } from "vitest";
import { Interactions } from "../../data/interactions.ts";
import { resolveParams } from "../spec.ts";
import { Biases } from "./baseline.ts";
import { SgdFactors, svdSpec } from "./biased-mf.ts";
import { describeRatingModelContract, describeSgdContract } from "./rating.contract.ts";

const small = { factors: 4, lr: 0.02, epochs: 40 };
describeRatingModelContract(svdSpec, small);
describeSgdContract(svdSpec, small);

describe("SgdFactors.step", () => {
  // One user, one item, one factor: mu = 3, p = 0.5, q = 0.2, rating 4, lr 0.1, reg 0.5.
  function oneByOne(): SgdFactors {
    const sgd = new SgdFactors(new Biases(3, 1, 5, new Float32Array(1), new Float32Array(1)), 1, 0.1, 0.5, 0, () => 0.5);
    sgd.users[0] = 0.5;
    sgd.items[0] = 0.2;
    return sgd;
  }

  it("takes Koren's step, computed by hand", () => {
    const sgd = oneByOne();
    // err = 4 - (3 + 0.5 * 0.2) = 0.9; b += 0.1 * 0.9; p += 0.1 * (0.9 * 0.2 - 0.5 * 0.5); q += 0.1 * (0.9 * 0.5 - 0.5 * 0.2).
    expect(sgd.step(0, 0, 4, new Float32Array(1), null)).toBeCloseTo(0.9, 6);
    expect(sgd.biases.user[0]).toBeCloseTo(0.09, 6);
    expect(sgd.biases.item[0]).toBeCloseTo(0.09, 6);
    expect(sgd.users[0]).toBeCloseTo(0.493, 6);
    expect(sgd.items[0]).toBeCloseTo(0.235, 6);
  });

  it("adds the implicit part to the user vector and hands back err * q", () => {
    const sgd = oneByOne();
    const grad = new Float32Array([1]);
    // err = 4 - (3 + 0.2 * (0.5 + 0.3)) = 0.84; q += 0.1 * (0.84 * 0.8 - 0.5 * 0.2); grad += 0.84 * 0.2.
    expect(sgd.step(0, 0, 4, new Float32Array([0.3]), grad)).toBeCloseTo(0.84, 6);
    expect(sgd.items[0]).toBeCloseTo(0.2 + 0.1 * (0.84 * 0.8 - 0.1), 6);
    expect(sgd.users[0]).toBeCloseTo(0.5 + 0.1 * (0.84 * 0.2 - 0.25), 6);
    expect(grad[0]).toBeCloseTo(1 + 0.84 * 0.2, 6);
  });
});

describe("svd visit order", () => {
  // One user rates i0 4 and i1 2 (mu = 3); no factors to speak of (init_std 0 keeps them at zero), lr 0.5, reg 0,
  // one epoch, so the biases alone show the order. i1 then i0: err -1 gives b_u = -0.5, b_i1 = -0.5; err
  // 4 - 2.5 = 1.5 gives b_u = 0.25, b_i0 = 0.75. i0 then i1: err 1 gives b_u = 0.5, b_i0 = 0.5; err
  // 2 - 3.5 = -1.5 gives b_u = -0.25, b_i1 = -0.75.
  const params = { factors: 1, lr: 0.5, reg: 0, epochs: 1, init_std: 0 };
  const rows = (t0: number, t1: number) => [
    { user: "u", item: "i0", value: 4, timestamp: t0 },
    { user: "u", item: "i1", value: 2, timestamp: t1 },
  ];
  async function predictions(data: Interactions, seed = 42): Promise<[number, number]> {
    const model = svdSpec.create(resolveParams(svdSpec, { ...params, seed }));
    await model.fit(data);
    return [model.predict(0, 0), model.predict(0, 1)];
  }

  it("visits each user's ratings in time order, not in item or file order", async () => {
    expect(await predictions(Interactions.fromRows(rows(2, 1), "raw"))).toEqual([4, 2.75]);
    expect(await predictions(Interactions.fromRows(rows(1, 2), "raw"))).toEqual([3.25, 2]);
  });

  it("shuffles each user's ratings by seed when there are no timestamps", async () => {
    const { users, items, matrix } = Interactions.fromRows(rows(2, 1), "raw");
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) outcomes.add(String(await predictions(new Interactions(users, items, matrix), seed)));
    expect(outcomes).toEqual(new Set(["4,2.75", "3.25,2"]));
  });
});
