import { NotFoundError } from "../core/errors.ts";
import type { HistoryStore } from "./history.ts";
import type { ItemStore } from "./item-store.ts";
import type { ItemWarming } from "./warming.ts";

export interface FeedbackEvent {
  userId: string;
  itemId: string;
  weight: number;
  /** Seconds since the epoch. */
  ts: number;
}

/** Where feedback is made durable before it counts: an append-only file on Node, nothing on Workers. */
export interface FeedbackLog {
  append(event: FeedbackEvent): void | Promise<void>;
}

/**
 * Records feedback so the very next recommendation for that user folds it in, without retraining; with
 * `warming`, feedback on an onboarded item also moves the item towards where its users place it.
 */
export class FeedbackService {
  constructor(
    private readonly log: FeedbackLog,
    private readonly histories: HistoryStore,
    private readonly items: ItemStore,
    private readonly warming?: ItemWarming,
  ) {}

  async record(event: FeedbackEvent): Promise<void> {
    if (!this.items.has(event.itemId)) throw new NotFoundError(`item "${event.itemId}" does not exist`);
    await this.log.append(event);
    await this.apply(event);
  }

  /** Folds in an event that is already durable (logged by another process of a cluster) without logging it again. */
  async apply(event: FeedbackEvent): Promise<void> {
    replayFeedback([event], this.histories, this.warming);
    await this.warming?.flush();
  }
}

/** Appends events to the histories in log order, each one's evidence taken right after its own append. */
export function replayFeedback(events: readonly FeedbackEvent[], histories: HistoryStore, warming?: ItemWarming): void {
  for (const event of events) {
    histories.append(event.userId, { itemId: event.itemId, weight: event.weight });
    warming?.observe(event);
  }
}
