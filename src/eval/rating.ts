import { InputError } from "../core/errors.ts";
import type { InteractionRow } from "../core/types.ts";
import type { Interactions } from "../data/interactions.ts";
import type { RatingModel } from "../models/recommender.ts";

export interface RatingReport {
  rmse: number;
  mae: number;
  test_rows: number;
}

/**
 * Protocol P3: RMSE and MAE of `model`'s prediction over every test row. Ids go through the train id maps;
 * an id train never saw is -1, and the model falls back to what it knows.
 */
export function evaluateRatings(model: RatingModel, train: Interactions, testRows: readonly InteractionRow[]): RatingReport {
  if (testRows.length === 0) throw new InputError("the test set has no rows to evaluate");
  let squared = 0;
  let absolute = 0;
  for (const row of testRows) {
    const err = model.predict(train.users.get(row.user) ?? -1, train.items.get(row.item) ?? -1) - row.value;
    squared += err * err;
    absolute += Math.abs(err);
  }
  return { rmse: Math.sqrt(squared / testRows.length), mae: absolute / testRows.length, test_rows: testRows.length };
}
