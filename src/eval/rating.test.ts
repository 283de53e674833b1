import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.ts";
import type { InteractionRow } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import type { RatingModel } from "../models/recommender.ts";
import { evaluateRatings } from "./rating.ts";

const row = (user: string, item: string, value: number): InteractionRow => ({ user, item, value, timestamp: 0 });

/** Predicts 10 * user + item from dense indices, so every test row's mapping is visible in the error. */
const indexEcho: RatingModel = {
  name: "echo",
  params: {},
  fit: async () => {},
  predict: (u, i) => 10 * u + i,
  toArtifact: () => ({ model: "echo", params: {}, arrays: {} }),
};

describe("evaluateRatings", () => {
  const train = Interactions.fromRows([row("a", "x", 1), row("b", "y", 1)], "raw");

  it("maps ids through train and averages squared and absolute errors by hand", () => {
    // Predictions: (a,x) -> 0, (b,y) -> 11, (b,x) -> 10, (new,y) -> -10 + 1 = -9, (a,new) -> -1.
    const test = [row("a", "x", 1), row("b", "y", 11), row("b", "x", 12), row("new", "y", -7), row("a", "new", 2)];
    // Errors: -1, 0, -2, -2, -3; squares sum to 18, absolutes to 8.
    expect(evaluateRatings(indexEcho, train, test)).toEqual({ rmse: Math.sqrt(18 / 5), mae: 8 / 5, test_rows: 5 });
  });

  it("refuses an empty test set", () => {
    expect(() => evaluateRatings(indexEcho, train, [])).toThrow(InputError);
  });
});
