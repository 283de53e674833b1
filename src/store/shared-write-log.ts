/**
 * The feedback and catalog logs of replicas that share one ObjectStore (S3 or a folder), in place of the
 * single writer's JSON-lines files: any replica appends, every replica replays the whole log at start-up and
 * follows what the others append.
 *
 * Layout: one object per batch of appends, `<prefix><seq>.json`, seq dense from 0 (12 digits, so byte order is
 * number order). A writer claims the next number with putIfAbsent (a conditional PUT on S3); when another writer
 * got there first it lists what is past the number and tries the one after the last. So a batch is only ever
 * written once its predecessor exists: numbers are never skipped, and number order is commit order. That is what
 * makes following exact without clocks: a reader lists the keys after the last one it consumed and takes them in
 * order up to the first gap (a listing may in principle show a number before its predecessor; the predecessor then
 * exists already and the next poll takes it), so nothing is lost and nothing is delivered twice, whatever the
 * writers' clocks or the order in which S3 lists their PUTs.
 *
 * The price is that writers take turns at the head of the log: each number costs one PUT, and a writer that loses a
 * race pays a list and another PUT. Appends made while a writer's PUT is in flight go out together in its next
 * object (group commit), so a busy writer sends fewer, larger objects instead of queuing more round trips.
 *
 * Why objects and not LanceDB tables on the store: a LanceDB append is a new table version whose commit retries on
 * conflict and rewrites the manifest, versions pile up until compaction, and reading "what is new since version v"
 * needs the native addon; one small object per batch is one PUT, readable from any runtime (this file uses only the
 * ObjectStore, no Node API).
 *
 * Not done: compaction. Start-up reads every object (16 at a time); a long-lived deployment needs a snapshot object
 * that folds the prefix of the log, and a rule for deleting what it folded.
 */
import type { FeedbackEvent, FeedbackLog } from "../agent/feedback.ts";
import type { CatalogChange, CatalogLog } from "../agent/onboarding.ts";
import type { ObjectStore } from "./object-store.ts";

export interface WrittenEntries {
  feedback: FeedbackEvent[];
  catalog: CatalogChange[];
}

export interface SharedWriteLog {
  /** append resolves once the event is durable on the store. */
  feedback: FeedbackLog;
  catalog: CatalogLog;
  /** Everything written so far, in order (start-up replay). */
  readAll(): Promise<WrittenEntries>;
  /**
   * Calls back with entries other writers appended, as they appear (polling every intervalMs, default 500), starting
   * after what readAll returned; returns stop(). `apply` runs for one batch at a time, in log order; a promise it
   * returns is awaited before the next batch. No batch starts being applied after stop() returns.
   */
  follow(apply: (w: WrittenEntries) => void | Promise<void>, opts?: { intervalMs?: number }): () => void;
}

export interface SharedWriteLogOptions {
  /** Key prefix inside the store; default "write-log/". */
  prefix?: string;
  /** Hears about polls that failed and batches `apply` threw on (both are retried or skipped, never fatal). */
  warn?: (message: string) => void;
}

export const DEFAULT_FOLLOW_INTERVAL_MS = 500;
const SEQ_DIGITS = 12;
/** Objects fetched at once when reading the log. */
const READ_CONCURRENCY = 16;

/** What one object holds: the appends one writer gathered while its previous PUT was in flight. */
interface Batch extends WrittenEntries {
  writer: string;
}

export function sharedWriteLog(store: ObjectStore, opts: SharedWriteLogOptions = {}): SharedWriteLog {
  return new ObjectStoreWriteLog(store, opts.prefix ?? "write-log/", opts.warn ?? (() => {}));
}

interface Pending extends WrittenEntries {
  settle: { resolve: () => void; reject: (e: unknown) => void }[];
}

/** Following alone does not keep a Node process alive (a server's socket does); workerd's timers have no unref. */
const unref = <T>(timer: T): T => {
  (timer as { unref?: () => void }).unref?.();
  return timer;
};

const emptyPending = (): Pending => ({ feedback: [], catalog: [], settle: [] });

class ObjectStoreWriteLog implements SharedWriteLog {
  /** Tells this instance's own batches from other writers' (follow skips its own: they were applied when made). */
  private readonly writer = crypto.randomUUID();
  /** The last seq readAll or follow consumed; -1 before any. */
  private consumed = -1;
  /** Where this writer tries next; always a number whose predecessor exists (or 0). */
  private nextSeq = 0;
  private pending = emptyPending();
  private draining: Promise<void> | undefined;

  readonly feedback: FeedbackLog = { append: (event) => this.append((p) => p.feedback.push(event)) };
  readonly catalog: CatalogLog = { append: (change) => this.append((p) => p.catalog.push(change)) };

  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
    private readonly warn: (message: string) => void,
  ) {}

  async readAll(): Promise<WrittenEntries> {
    const all: WrittenEntries = { feedback: [], catalog: [] };
    for (const batch of await this.readNew()) {
      all.feedback.push(...batch.feedback);
      all.catalog.push(...batch.catalog);
    }
    return all;
  }

  follow(apply: (w: WrittenEntries) => void | Promise<void>, opts: { intervalMs?: number } = {}): () => void {
    const intervalMs = opts.intervalMs ?? DEFAULT_FOLLOW_INTERVAL_MS;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        for (const batch of await this.readNew()) {
          if (batch.writer === this.writer) continue;
          if (stopped) return;
          try {
            await apply({ feedback: batch.feedback, catalog: batch.catalog });
          } catch (e) {
            // Already consumed: applying it again later could apply half of it twice.
            this.warn(`shared write log ${this.store.url}/${this.prefix}: applying a batch from writer ${batch.writer} failed: ${String(e)}`);
          }
        }
      } catch (e) {
        this.warn(`shared write log ${this.store.url}/${this.prefix}: poll failed (retrying in ${intervalMs} ms): ${String(e)}`);
      }
      if (!stopped) timer = unref(setTimeout(poll, intervalMs));
    };
    timer = unref(setTimeout(poll, 0));
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** The batches after the last consumed one, in order, up to the first number not visible yet; marks them consumed. */
  private async readNew(): Promise<Batch[]> {
    const listed = await this.store.list(this.prefix, this.consumed < 0 ? {} : { startAfter: this.keyOf(this.consumed) });
    const dense: string[] = [];
    for (const key of listed.filter((k) => this.seqOf(k) !== undefined)) {
      if (this.seqOf(key) !== this.consumed + 1 + dense.length) break;
      dense.push(key);
    }
    const batches: Batch[] = new Array(dense.length);
    for (let i = 0; i < dense.length; i += READ_CONCURRENCY) {
      await Promise.all(
        dense.slice(i, i + READ_CONCURRENCY).map(async (key, j) => {
          const bytes = await this.store.get(key);
          if (bytes === undefined) throw new Error(`${key} was listed but is gone: the log must not be edited`);
          batches[i + j] = JSON.parse(new TextDecoder().decode(bytes)) as Batch;
        }),
      );
    }
    this.consumed += dense.length;
    this.nextSeq = Math.max(this.nextSeq, this.consumed + 1);
    return batches;
  }

  private append(add: (p: Pending) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      add(this.pending);
      this.pending.settle.push({ resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Writes what is pending, one object at a time, until nothing is. */
  private async drain(): Promise<void> {
    while (this.pending.settle.length) {
      const { feedback, catalog, settle } = this.pending;
      this.pending = emptyPending();
      try {
        await this.commit(JSON.stringify({ writer: this.writer, feedback, catalog } satisfies Batch));
        for (const s of settle) s.resolve();
      } catch (e) {
        for (const s of settle) s.reject(e);
      }
    }
    this.draining = undefined;
  }

  private async commit(body: string): Promise<void> {
    for (let seq = this.nextSeq; ; ) {
      if (await this.store.putIfAbsent(this.keyOf(seq), body)) {
        this.nextSeq = seq + 1;
        return;
      }
      // Taken: jump past the last number anyone has written (it exists, so every number below it does too).
      const after = await this.store.list(this.prefix, { startAfter: this.keyOf(seq) });
      const last = after.map((key) => this.seqOf(key)).filter((n) => n !== undefined).at(-1);
      seq = last === undefined ? seq + 1 : last + 1;
    }
  }

  private keyOf(seq: number): string {
    return `${this.prefix}${String(seq).padStart(SEQ_DIGITS, "0")}.json`;
  }

  private seqOf(key: string): number | undefined {
    const match = /^(\d+)\.json$/.exec(key.slice(this.prefix.length));
    return match ? Number(match[1]) : undefined;
  }
}
