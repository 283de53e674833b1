import { describe, expect, it } from "vitest";
import { Interactions } from "../../data/interactions.ts";
import { describeRatingModelContract, describeSgdContract } from "./rating.contract.ts";
import { ImplicitFactors, svdppSpec } from "./svdpp.ts";

const small = { factors: 4, lr: 0.02, epochs: 40 };
describeRatingModelContract(svdppSpec, small);
describeSgdContract(svdppSpec, small);

describe("ImplicitFactors", () => {
  // User u rated items a and b; one factor with y_a = 0.2, y_b = 0.4; lr 0.1, reg 0.5.
  function rated(): { implicit: ImplicitFactors; y: Float32Array } {
    const data = Interactions.fromRows(
      [
        { user: "u", item: "a", value: 4, timestamp: 0 },
        { user: "u", item: "b", value: 2, timestamp: 1 },
      ],
      "raw",
    );
    const y = new Float32Array([0.2, 0.4]);
    return { implicit: new ImplicitFactors(data.matrix, 1, 0.1, 0.5, y), y };
  }

  it("sums the rated items' vectors scaled by 1/sqrt(|N(u)|)", () => {
    const z = new Float32Array(1);
    rated().implicit.begin(0, z);
    expect(z[0]).toBeCloseTo(0.6 / Math.SQRT2, 6);
  });

  it("moves every rated item's vector once by the summed gradient, shrinking as often as u has ratings", () => {
    const { implicit, y } = rated();
    implicit.end(0, new Float32Array([1]));
    // y_j = (1 - 0.1 * 0.5)^2 y_j + 0.1 / sqrt 2
    expect(y[0]).toBeCloseTo(0.95 ** 2 * 0.2 + 0.1 / Math.SQRT2, 6);
    expect(y[1]).toBeCloseTo(0.95 ** 2 * 0.4 + 0.1 / Math.SQRT2, 6);
  });

  it("hands prediction p_u + z_u", () => {
    const out = rated().implicit.userVectors(new Float32Array([0.1]));
    expect(out[0]).toBeCloseTo(0.1 + 0.6 / Math.SQRT2, 6);
  });
});
