import type { ItemWeight } from "../core/types.ts";
import type { IdMap } from "../data/idmap.ts";
import { type Recency, weightByRecency } from "../models/recency.ts";

/** One thing a user did with an item; weight is the implicit-feedback value (1 = a plain positive). */
export interface HistoryEvent {
  itemId: string;
  weight: number;
  /** Seconds since the epoch, when known: orders a request's history. Stored histories are kept in time order. */
  ts?: number;
}

/**
 * Every known user's history: what the model was trained on plus feedback since. Feedback is appended here
 * after it has been made durable elsewhere (the feedback log), so a restart replays the log into a fresh store.
 */
export class HistoryStore {
  private readonly byUser = new Map<string, HistoryEvent[]>();

  has(userId: string): boolean {
    return this.byUser.has(userId);
  }

  get(userId: string): readonly HistoryEvent[] {
    return this.byUser.get(userId) ?? [];
  }

  append(userId: string, event: HistoryEvent): void {
    const list = this.byUser.get(userId);
    if (list) list.push(event);
    else this.byUser.set(userId, [event]);
  }

  get userCount(): number {
    return this.byUser.size;
  }
}

/**
 * History events of items the model knows, as dense indices with their recency factors (the history is
 * oldest first; recency counts positions among the model's items). Onboarded items have no place in the
 * model to fold in.
 */
export function toModelHistory(history: readonly HistoryEvent[], items: IdMap, recency: Recency): ItemWeight[] {
  const out: ItemWeight[] = [];
  for (const h of history) {
    const item = items.get(h.itemId);
    if (item !== undefined) out.push({ item, weight: h.weight });
  }
  return weightByRecency(out, recency);
}
