/**
 * An isolate's side of the Worker write log (worker-write-log.ts). The isolate keeps the services in memory
 * (artifact + every logged write it has applied, up to `applied`); the Durable Object holds the truth.
 *
 * - A write: the services compute it as on Node (ItemOnboarding's content vector, FeedbackService's checks),
 *   `append` commits it in the Durable Object, the writes other isolates committed before it are applied here,
 *   then the service applies its own. The client gets its 2xx only after the commit.
 * - Every request first catches up: one `since(applied)` call, which is also the head check (it answers no
 *   entries when nothing is new). So a request sees every write acknowledged before it arrived, whichever
 *   isolate took that write: read-your-writes, as on Node.
 *
 * Order: catch-ups and appends run one at a time, and entries are applied in `seq` order. A caller applies its
 * own write in the continuation of `append`, in microtasks (the in-memory index and stores); the next step
 * applies nothing before its own call to the Durable Object has answered, an I/O event, so it never overtakes it.
 */
import type { FeedbackLog } from "../agent/feedback.ts";
import type { CatalogLog } from "../agent/onboarding.ts";
import { AppError } from "../core/errors.ts";
import type { Appliers, Write } from "./write-broadcast.node.ts";
import { MAX_PAGE, type LoggedWrite, type WriteLogRpc } from "./worker-write-log.ts";

export class WriteLogUnavailableError extends AppError {
  constructor(cause: unknown) {
    super("unavailable", "the write log (Durable Object) did not answer; the write was not recorded, retry it", { status: 503, cause });
  }
}

export class WorkerWrites {
  /** Sequence number of the last log entry applied to this isolate's services. */
  private applied = 0;
  private appliers: Appliers = {};
  private tail: Promise<unknown> = Promise.resolve();
  /** A catch-up queued and not started yet: requests arriving now may share it, as it will read the log after them. */
  private queuedCatchUp?: Promise<void>;

  /**
   * `log` opens the write log for one call: a Durable Object stub belongs to the request that made it, and
   * this object serves every request of the isolate.
   */
  constructor(
    private readonly log: () => WriteLogRpc,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {}

  /** Logs for assembleServices: an append resolves once the write is committed in the Durable Object. */
  readonly logs: { feedback: FeedbackLog; catalog: CatalogLog } = {
    feedback: { append: (event) => this.commit({ kind: "feedback", event }) },
    catalog: { append: (change) => this.commit({ kind: "catalog", change }) },
  };

  /** Attaches the assembled services and replays the log into them. */
  async start(appliers: Appliers): Promise<void> {
    this.appliers = appliers;
    await this.catchUp();
  }

  /** Applies every write committed before this call. */
  catchUp(): Promise<void> {
    if (this.queuedCatchUp) return this.queuedCatchUp;
    const run = this.enqueue(() => {
      this.queuedCatchUp = undefined;
      return this.pull(Number.POSITIVE_INFINITY);
    });
    this.queuedCatchUp = run;
    return run;
  }

  private commit(write: Write): Promise<void> {
    return this.enqueue(async () => {
      let seq: number;
      try {
        ({ seq } = await this.log().append(write));
      } catch (e) {
        throw new WriteLogUnavailableError(e);
      }
      // Writes other isolates committed just before this one come first; the caller applies its own next.
      try {
        await this.pull(seq - 1);
      } catch (e) {
        // Not applied here: the next catch-up reads it from the log with the others, in order.
        throw new AppError("write_log_lagging", `the write is committed (log entry ${seq}) but the entries before it could not be read back; it takes effect with the next request, do not resend it`, { status: 503, cause: e });
      }
      this.applied = seq;
    });
  }

  /** Applies the log's entries after `applied`, up to `upTo`. */
  private async pull(upTo: number): Promise<void> {
    while (this.applied < upTo) {
      const { head, entries } = await this.log().since(this.applied, MAX_PAGE);
      for (const entry of entries) {
        if (entry.seq > upTo) return;
        await this.apply(entry);
      }
      if (entries.length === 0 || this.applied >= head) return;
    }
  }

  private async apply({ seq, write }: LoggedWrite): Promise<void> {
    try {
      if (write.kind === "feedback") await this.appliers.feedback?.apply(write.event);
      else await this.appliers.onboarding?.apply(write.change);
    } catch (e) {
      // The isolate that took the request failed on it the same way (same code, same state) and answered 5xx.
      this.warn(`write ${seq} could not be applied: ${String(e)}`);
    }
    this.applied = seq;
  }

  /** Runs steps one at a time, in call order. */
  private enqueue(step: () => Promise<void>): Promise<void> {
    const done = this.tail.then(step);
    this.tail = done.catch(() => undefined);
    return done;
  }
}
