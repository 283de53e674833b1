import type { VectorIndex } from "../index/types.ts";
import { dot } from "../numeric/vectors.ts";
import type { ItemEvidence, ItemFoldIn } from "../models/recommender.ts";
import type { FeedbackEvent } from "./feedback.ts";
import type { ItemStore } from "./item-store.ts";

export interface WarmingOptions {
  /** Where placements are served from; every vector change goes to both. */
  index: VectorIndex;
  store: ItemStore;
  /** The factor space items are placed in; its ItemEvidence turns interactions into an item vector. */
  space: ItemFoldIn;
  /** Trained items keep the model's vector; their feedback waits for a retrain. */
  isTrained: (id: string) => boolean;
  /** A user's vector in the space from their history so far (what the service folds in); undefined if none of it is known. */
  userVector: (userId: string) => Float32Array | undefined;
  /** How many users' worth of evidence the content vector counts for (k below). */
  priorUsers: number;
}

/**
 * priorUsers by the item space's model, chosen on validation carve-outs from train (recagent eval-warm --validate
 * random --fold K) by recall@20 averaged over 1, 3, 10 and 20 raters revealed (README, "Onboarded items learn from
 * feedback"): 1 for ALS (four carve-outs; the companion ALS of dense models and imported factors too) and twotower;
 * 5 for bpr (four carve-outs: k 1 .2798, 5 .2904, 20 .2872) and sasrec (carve-out 0: k 1 .3222, 5 .3352, 20 .3117).
 */
export const DEFAULT_PRIOR_USERS = 1;
const PRIOR_USERS: Readonly<Record<string, number>> = { bpr: 5, sasrec: 5 };

export function priorUsersFor(model: string): number {
  return PRIOR_USERS[model] ?? DEFAULT_PRIOR_USERS;
}

/**
 * Onboarded items learn from their interactions as they arrive, without retraining. An item starts at its
 * content vector; each interaction adds the user's vector to the item's evidence (ItemEvidence: the model's own
 * item step with the users held fixed, which scores users as a retrain would), and the item is served at
 *   v = (n s v_interactions + k v_content) / (n + k),   n = users who interacted, k = priorUsers,
 * so content decides while few have interacted and the interactions take over as more do. The interactions
 * give the direction (who likes it); s scales them to the content vector's length. The content map places
 * items at the trained items' spread (SpreadCalibration), while the length an item step gives is the item's
 * popularity so far, small for any new item: unscaled, the items that have had the most feedback would sink
 * below those that have had none (measured: README, "Onboarded items learn from feedback").
 *
 * The served vector is a function of the item's current content vector and of the feedback in log order only,
 * so a process that replays the logs (a restart, a replica, a new model version) reaches the same vectors as one
 * that applied the writes live. For the same reason evidence outlives a delete: the feedback log does too.
 */
export class ItemWarming {
  private readonly content = new Map<string, Float32Array>();
  private readonly evidence = new Map<string, { sums: ItemEvidence; users: Set<string> }>();
  private readonly changed = new Set<string>();

  constructor(private readonly o: WarmingOptions) {}

  /** The vector to serve for an onboarded item given its content vector (remembered for later evidence). */
  place(itemId: string, contentVector: Float32Array): Float32Array {
    this.content.set(itemId, contentVector);
    return this.vectorOf(itemId, contentVector);
  }

  /** The item left the catalog: nothing to serve; its evidence stays (see above). */
  forget(itemId: string): void {
    this.content.delete(itemId);
    this.changed.delete(itemId);
  }

  /** Adds a feedback event's evidence (after its history has been appended); `flush` serves the result. */
  observe(event: FeedbackEvent): void {
    if (this.o.isTrained(event.itemId)) return;
    // A user the model knows nothing about yet has no vector: nothing to learn from.
    const user = this.o.userVector(event.userId);
    if (!user) return;
    let entry = this.evidence.get(event.itemId);
    if (!entry) this.evidence.set(event.itemId, (entry = { sums: this.o.space.itemEvidence(), users: new Set() }));
    entry.sums.add(user, event.weight, !entry.users.has(event.userId));
    entry.users.add(event.userId);
    if (this.content.has(event.itemId)) this.changed.add(event.itemId);
  }

  /** Puts every onboarded item whose evidence changed since the last flush at its new vector. */
  async flush(): Promise<void> {
    const rows = [];
    for (const id of this.changed) {
      const item = this.o.store.get(id);
      if (item) rows.push({ ...item, vector: this.vectorOf(id, this.content.get(id)!) });
    }
    this.changed.clear();
    if (rows.length === 0) return;
    await this.o.index.upsert(rows);
    for (const row of rows) this.o.store.putOnboarded(row);
  }

  /** Users whose interactions an onboarded item has learnt from so far. */
  usersOf(itemId: string): number {
    return this.evidence.get(itemId)?.users.size ?? 0;
  }

  private vectorOf(itemId: string, contentVector: Float32Array): Float32Array {
    const entry = this.evidence.get(itemId);
    const n = entry?.users.size ?? 0;
    if (!entry || n === 0) return contentVector;
    const learnt = entry.sums.solve();
    const learntNorm = norm(learnt);
    if (learntNorm === 0) return contentVector;
    const scale = norm(contentVector) / learntNorm;
    const k = this.o.priorUsers;
    return Float32Array.from(contentVector, (c, d) => (n * scale * learnt[d] + k * c) / (n + k));
  }
}

function norm(v: Float32Array): number {
  return Math.sqrt(dot(v, v));
}
