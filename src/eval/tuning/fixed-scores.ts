import type { Interactions } from "../../data/interactions.ts";
import { type Recency, recencyIsOn, recencyWeightedRow } from "../../models/recency.ts";
import type { ModelArtifact, Params, Recommender } from "../../models/recommender.ts";

/**
 * Scores of `model` for each of `users` (row j for users[j]): plain, or folded in from the user's training row
 * weighted by recency, as protocol P1 scores them (recommend()).
 */
export function scoreRows(model: Recommender, train: Interactions, users: Int32Array, recency: Recency): Float32Array {
  const n = model.itemCount;
  const out = new Float32Array(users.length * n);
  if (!recencyIsOn(recency)) {
    model.scoreUsers(users, out);
    return out;
  }
  for (let j = 0; j < users.length; j++) model.scoreHistory(recencyWeightedRow(train.matrix, train.ages!, users[j], recency), out.subarray(j * n, (j + 1) * n));
  return out;
}

/**
 * A "model" that replays scores computed once (scoreRows) for a fixed set of users: how the tuner tries several
 * blend weights of two fitted models through the real Blend without scoring each part again per weight.
 * Only scoreUsers works, for those users; it is never saved or served.
 */
export class FixedScores implements Recommender {
  readonly name = "fixed-scores";
  readonly params: Params = {};
  private readonly rowOf = new Map<number, number>();

  constructor(
    users: Int32Array,
    private readonly rows: Float32Array,
    readonly itemCount: number,
  ) {
    users.forEach((u, j) => this.rowOf.set(u, j));
  }

  async fit(): Promise<void> {}

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const n = this.itemCount;
    users.forEach((u, j) => {
      const row = this.rowOf.get(u);
      if (row === undefined) throw new Error(`no stored scores for user ${u}`);
      out.set(this.rows.subarray(row * n, (row + 1) * n), j * n);
    });
  }

  scoreHistory(): void {
    throw new Error("FixedScores replays stored user scores only");
  }

  scoreSimilar(): void {
    throw new Error("FixedScores replays stored user scores only");
  }

  toArtifact(): ModelArtifact {
    throw new Error("FixedScores is a tuning aid and is never saved");
  }
}
