/**
 * Writes in a cluster of server processes (cluster.node.ts). The primary is the single writer: a worker
 * forwards each write (feedback, catalog change) to it; the primary appends it to its JSON-lines log with
 * fsync, writes LanceDB for a catalog change, sends it to every other worker and waits until each has applied
 * it; only then is the worker that took the request told to answer 2xx. So an acknowledged write is durable
 * and already in every worker's memory, and the user's next request sees it whichever worker takes it.
 * One writer also means no two processes write the logs or the LanceDB table at once, and every write has
 * one place in one order: the order every worker applies, and the order a restart replays.
 */
import type { FeedbackEvent, FeedbackLog } from "../agent/feedback.ts";
import type { CatalogChange, CatalogLog } from "../agent/onboarding.ts";

export type Write = { kind: "feedback"; event: FeedbackEvent } | { kind: "catalog"; change: CatalogChange };

/**
 * Where a booting worker's replay ends: the logs' sizes once write `seq` was appended. Writes after `seq`
 * reach the worker as broadcasts, so it neither misses nor repeats one.
 */
export interface Cut {
  seq: number;
  catalogBytes: number;
  feedbackBytes: number;
}

/** Messages a worker sends the primary. */
export type ToPrimary =
  | { recagent: "hello" }
  | { recagent: "write"; id: number; write: Write }
  | { recagent: "ack"; seq: number }
  | { recagent: "caught-up" }
  | { recagent: "ready"; url: string; rss: number }
  | { recagent: "failed"; message: string; status: number };

/** Messages the primary sends a worker. */
export type ToWorker =
  | { recagent: "cut"; cut: Cut }
  | { recagent: "live" }
  | { recagent: "event"; seq: number; write: Write }
  | { recagent: "written"; id: number }
  | { recagent: "write-failed"; id: number; message: string };

export interface WriterLogs {
  catalog: { append(change: CatalogChange): void; size(): number };
  feedback: { append(event: FeedbackEvent): void; size(): number };
}

export interface ClusterWriterOptions {
  logs: WriterLogs;
  /** Writes a catalog change to LanceDB. A failure is reported, not fatal: the log is the truth and a restart replays it. */
  applyDurable(change: CatalogChange): Promise<void>;
  /** Called for a worker that did not apply a broadcast in time; it is dropped from the wait, and must be stopped. */
  unresponsive(workerId: number): void;
  warn(message: string): void;
  ackTimeoutMs?: number;
}

interface Replica {
  send(message: ToWorker): void;
  /** Serving or about to: every broadcast waits for its ack. Booting, it is sent broadcasts but not waited for. */
  live: boolean;
  /** Broadcasts sent to it and not yet applied: seq -> settle. */
  waiting: Map<number, () => void>;
}

/** The primary's side: one write at a time, made durable, then applied by every worker before it is acknowledged. */
export class ClusterWriter {
  private seq = 0;
  private readonly replicas = new Map<number, Replica>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ClusterWriterOptions) {}

  /**
   * Registers a booting worker for broadcasts and tells it where its replay of the logs ends. Until it is
   * promoted, writes do not wait for it (a boot may take long), so it must not serve before then.
   */
  join(workerId: number, send: (message: ToWorker) => void): Cut {
    this.leave(workerId);
    this.replicas.set(workerId, { send, live: false, waiting: new Map() });
    const cut = { seq: this.seq, catalogBytes: this.opts.logs.catalog.size(), feedbackBytes: this.opts.logs.feedback.size() };
    send({ recagent: "cut", cut });
    return cut;
  }

  /**
   * A worker that has applied everything it was sent: from now on every write waits for it. The "live" answer
   * follows every broadcast sent before on the same channel, so once the worker has handled it, it holds every
   * write acknowledged without it, and may serve.
   */
  promote(workerId: number): void {
    const replica = this.replicas.get(workerId);
    if (!replica) return;
    replica.live = true;
    replica.send({ recagent: "live" });
  }

  /** A worker that exited (or was stopped): nothing more is waited for from it. */
  leave(workerId: number): void {
    const replica = this.replicas.get(workerId);
    if (!replica) return;
    this.replicas.delete(workerId);
    for (const settle of replica.waiting.values()) settle();
  }

  ack(workerId: number, seq: number): void {
    this.replicas.get(workerId)?.waiting.get(seq)?.();
  }

  /** Resolves once `write` is in its log (fsync'd) and every worker but `from` has applied it; writes go one at a time. */
  write(from: number, write: Write): Promise<void> {
    const done = this.tail.then(() => this.commit(from, write));
    this.tail = done.catch(() => undefined);
    return done;
  }

  private async commit(from: number, write: Write): Promise<void> {
    if (write.kind === "feedback") this.opts.logs.feedback.append(write.event);
    else this.opts.logs.catalog.append(write.change);
    const seq = ++this.seq;
    if (write.kind === "catalog") {
      await this.opts.applyDurable(write.change).catch((e: unknown) => this.opts.warn(`LanceDB did not take catalog change ${seq} (it is in the log; the next start replays it): ${String(e)}`));
    }
    const others = [...this.replicas].filter(([id]) => id !== from);
    await Promise.all(others.map(([id, replica]) => this.deliver(id, replica, seq, write)));
  }

  private deliver(workerId: number, replica: Replica, seq: number, write: Write): Promise<void> {
    if (!replica.live) {
      replica.send({ recagent: "event", seq, write });
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.opts.warn(`worker ${workerId} did not apply write ${seq} within ${this.opts.ackTimeoutMs ?? 10_000} ms; stopping it`);
        this.leave(workerId);
        this.opts.unresponsive(workerId);
      }, this.opts.ackTimeoutMs ?? 10_000);
      replica.waiting.set(seq, () => {
        clearTimeout(timer);
        replica.waiting.delete(seq);
        resolve();
      });
      replica.send({ recagent: "event", seq, write });
    });
  }
}

/** What a worker applies other workers' writes with (the assembled services). */
export interface Appliers {
  feedback?: { apply(event: FeedbackEvent): void | Promise<void> };
  onboarding?: { apply(change: CatalogChange): Promise<void> };
}

type Step = () => void | Promise<void>;

/**
 * A worker's side. Booting, it asks for the cut, replays the logs up to it, and buffers the broadcasts that
 * arrive meanwhile (writes are not waiting for it). Then it applies them, tells the primary it caught up, and
 * once the primary's "live" answer has been handled (every broadcast sent before it applied) it may open its
 * port. From then on it applies each broadcast, then acknowledges it. Its own writes go to the primary through
 * `logs`.
 *
 * Order: everything the primary sends (broadcasts, and "written" for this worker's own writes) is handled one
 * at a time in arrival order, which is the log's order. After a "written" the service applies its own write
 * in the continuation of `append`, in microtasks (a worker's index writes are memory only; LanceDB is the
 * primary's), so the next step waits for a macrotask (setImmediate) and never overtakes it.
 */
export class WorkerReplica {
  private cut?: Cut;
  private cutArrived?: (cut: Cut) => void;
  private promoted?: () => void;
  private appliers?: Appliers;
  private live = false;
  private readonly buffered: Array<{ seq: number; write: Write }> = [];
  private readonly steps: Step[] = [];
  private draining = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(): void; reject(e: Error): void }>();

  constructor(
    private readonly send: (message: ToPrimary) => void,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /** Logs for assembleServices: an append resolves once the write is durable and every other worker has it. */
  readonly logs: { feedback: FeedbackLog; catalog: CatalogLog } = {
    feedback: { append: (event) => this.forward({ kind: "feedback", event }) },
    catalog: { append: (change) => this.forward({ kind: "catalog", change }) },
  };

  /** Registers with the primary; from now on broadcasts are buffered here. Resolves with where to stop replaying. */
  join(): Promise<Cut> {
    return new Promise((resolve) => {
      this.cutArrived = resolve;
      this.send({ recagent: "hello" });
    });
  }

  /** Applies the buffered broadcasts in order, then each one as it arrives; resolves when the worker may serve. */
  async goLive(appliers: Appliers): Promise<void> {
    this.appliers = appliers;
    for (let next = this.buffered.shift(); next; next = this.buffered.shift()) await this.apply(next.seq, next.write);
    this.live = true;
    await new Promise<void>((resolve) => {
      this.promoted = resolve;
      this.send({ recagent: "caught-up" });
    });
  }

  receive(message: unknown): void {
    const m = message as ToWorker;
    switch (m?.recagent) {
      case "cut":
        this.cut = m.cut;
        this.cutArrived?.(m.cut);
        return;
      case "live":
        this.enqueue(() => this.promoted?.());
        return;
      case "event":
        if (this.live) {
          this.enqueue(async () => {
            await this.apply(m.seq, m.write);
            this.send({ recagent: "ack", seq: m.seq });
          });
          return;
        }
        // Booting: applied before the port opens (goLive); one the replay already holds is dropped.
        if (this.cut && m.seq > this.cut.seq) this.buffered.push({ seq: m.seq, write: m.write });
        return;
      case "written":
        this.enqueue(() => this.settle(m.id)?.resolve());
        return;
      case "write-failed":
        this.enqueue(() => this.settle(m.id)?.reject(new Error(`the primary could not record the write: ${m.message}`)));
        return;
    }
  }

  private forward(write: Write): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ recagent: "write", id, write });
    });
  }

  private settle(id: number) {
    const waiter = this.pending.get(id);
    this.pending.delete(id);
    return waiter;
  }

  private async apply(seq: number, write: Write): Promise<void> {
    try {
      if (write.kind === "feedback") await this.appliers?.feedback?.apply(write.event);
      else await this.appliers?.onboarding?.apply(write.change);
    } catch (e) {
      // The worker that took the request failed on it the same way (same code, same state) and answered 5xx.
      this.warn(`write ${seq} could not be applied: ${String(e)}`);
    }
  }

  private enqueue(step: Step): void {
    this.steps.push(step);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    for (let step = this.steps.shift(); step; step = this.steps.shift()) {
      await Promise.resolve(step()).catch((e: unknown) => this.warn(String(e)));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.draining = false;
  }
}
