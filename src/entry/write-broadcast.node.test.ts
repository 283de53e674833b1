import { describe, expect, it } from "vitest";
import type { FeedbackEvent } from "../agent/feedback.ts";
import type { CatalogChange } from "../agent/onboarding.ts";
import { ClusterWriter, type ToPrimary, type ToWorker, WorkerReplica, type Write } from "./write-broadcast.node.ts";

const feedback = (userId: string): Write => ({ kind: "feedback", event: { userId, itemId: "1", weight: 1, ts: 0 } });
const tick = () => new Promise((resolve) => setImmediate(resolve));

function memoryLogs() {
  const lines: string[] = [];
  const log = <T>() => ({
    records: [] as T[],
    append(record: T) {
      this.records.push(record);
      lines.push(JSON.stringify(record));
    },
    size() {
      return this.records.length;
    },
  });
  return { catalog: log<CatalogChange>(), feedback: log<FeedbackEvent>(), lines };
}

function writerWith(opts: { ackTimeoutMs?: number } = {}) {
  const logs = memoryLogs();
  const durable: CatalogChange[] = [];
  const stopped: number[] = [];
  const writer = new ClusterWriter({
    logs,
    applyDurable: async (change) => void durable.push(change),
    unresponsive: (id) => stopped.push(id),
    warn: () => {},
    ackTimeoutMs: opts.ackTimeoutMs,
  });
  const inbox = new Map<number, ToWorker[]>();
  /** A worker that registers and, unless `booting`, has caught up. */
  const join = (id: number, booting = false) => {
    inbox.set(id, []);
    const cut = writer.join(id, (m) => inbox.get(id)!.push(m));
    if (!booting) writer.promote(id);
    return cut;
  };
  return { writer, logs, durable, stopped, inbox, join };
}

describe("ClusterWriter (the primary)", () => {
  it("acknowledges a write only once it is logged and every other worker applied it", async () => {
    const { writer, logs, inbox, join } = writerWith();
    join(1);
    join(2);
    join(3);
    let done = false;
    const written = writer.write(1, feedback("u")).then(() => (done = true));
    await tick();
    expect(logs.feedback.records.map((e) => e.userId)).toEqual(["u"]);
    expect(inbox.get(1)!.filter((m) => m.recagent === "event")).toEqual([]);
    expect(inbox.get(2)!.at(-1)).toEqual({ recagent: "event", seq: 1, write: feedback("u") });
    writer.ack(2, 1);
    await tick();
    expect(done).toBe(false);
    writer.ack(3, 1);
    await written;
    expect(done).toBe(true);
  });

  it("sends a booting worker every write without waiting for it, and waits for it once it caught up", async () => {
    const { writer, inbox, join } = writerWith();
    join(1);
    expect(join(2, true)).toEqual({ seq: 0, catalogBytes: 0, feedbackBytes: 0 });
    await writer.write(1, feedback("a"));
    expect(inbox.get(2)!.map((m) => m.recagent)).toEqual(["cut", "event"]);
    writer.promote(2);
    // "live" follows the broadcasts sent before it on the channel.
    expect(inbox.get(2)!.map((m) => m.recagent)).toEqual(["cut", "event", "live"]);
    let done = false;
    const written = writer.write(1, feedback("b")).then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    writer.ack(2, 2);
    await written;
  });

  it("writes one at a time, in order, and numbers them", async () => {
    const { writer, logs, inbox, join } = writerWith();
    join(1);
    join(2);
    const first = writer.write(2, feedback("a"));
    const second = writer.write(2, feedback("b"));
    await tick();
    // The second is not logged while the first waits for worker 1.
    expect(logs.feedback.records.map((e) => e.userId)).toEqual(["a"]);
    writer.ack(1, 1);
    await first;
    await tick();
    expect(logs.feedback.records.map((e) => e.userId)).toEqual(["a", "b"]);
    writer.ack(1, 2);
    await second;
    expect(inbox.get(1)!.filter((m) => m.recagent === "event").map((m) => (m as { seq: number }).seq)).toEqual([1, 2]);
  });

  it("writes catalog changes to LanceDB before any worker is sent them", async () => {
    const { writer, durable, inbox, join } = writerWith();
    join(1);
    join(2);
    const change: CatalogChange = { op: "delete", id: "x" };
    const written = writer.write(1, { kind: "catalog", change });
    await tick();
    expect(durable).toEqual([change]);
    expect(inbox.get(2)!.at(-1)).toMatchObject({ recagent: "event", seq: 1 });
    writer.ack(2, 1);
    await written;
  });

  it("tells a joining worker where its replay ends; a worker that leaves is no longer waited for", async () => {
    const { writer, inbox, join } = writerWith();
    join(1);
    join(2);
    const written = writer.write(1, feedback("a"));
    await tick();
    expect(join(3, true)).toEqual({ seq: 1, catalogBytes: 0, feedbackBytes: 1 });
    expect(inbox.get(3)).toEqual([{ recagent: "cut", cut: { seq: 1, catalogBytes: 0, feedbackBytes: 1 } }]);
    writer.leave(2);
    await written;
  });

  it("stops a worker that does not apply a broadcast in time, and acknowledges without it", async () => {
    const { writer, stopped, join } = writerWith({ ackTimeoutMs: 20 });
    join(1);
    join(2);
    await writer.write(1, feedback("a"));
    expect(stopped).toEqual([2]);
  });

  it("fails a write it cannot log, sends it to nobody, and goes on with the next", async () => {
    const { writer, logs, inbox, join } = writerWith();
    join(1);
    join(2);
    logs.feedback.append = () => {
      throw new Error("disk full");
    };
    await expect(writer.write(1, feedback("a"))).rejects.toThrow(/disk full/);
    expect(inbox.get(2)!.filter((m) => m.recagent === "event")).toEqual([]);
    const catalog = writer.write(1, { kind: "catalog", change: { op: "delete", id: "x" } });
    await tick();
    writer.ack(2, 1);
    await catalog;
  });
});

describe("WorkerReplica (a worker)", () => {
  function replica() {
    const sent: ToPrimary[] = [];
    const applied: string[] = [];
    const r = new WorkerReplica((m) => sent.push(m));
    const appliers = {
      feedback: { apply: (e: FeedbackEvent) => void applied.push(e.userId) },
      onboarding: { apply: async (c: CatalogChange) => void applied.push(c.op === "delete" ? `-${c.id}` : `+${c.item.id}`) },
    };
    return { r, sent, applied, appliers };
  }
  const event = (seq: number, write: Write): ToWorker => ({ recagent: "event", seq, write });

  it("booting: drops what its replay holds, buffers the rest, applies them in order, and serves once the primary says live", async () => {
    const { r, sent, applied, appliers } = replica();
    const cut = r.join();
    expect(sent).toEqual([{ recagent: "hello" }]);
    r.receive({ recagent: "cut", cut: { seq: 5, catalogBytes: 10, feedbackBytes: 20 } });
    expect(await cut).toEqual({ seq: 5, catalogBytes: 10, feedbackBytes: 20 });
    r.receive(event(5, feedback("already-replayed")));
    r.receive(event(6, feedback("a")));
    r.receive(event(7, { kind: "catalog", change: { op: "delete", id: "x" } }));
    expect(applied).toEqual([]);
    let serving = false;
    const live = r.goLive(appliers).then(() => (serving = true));
    await tick();
    expect(applied).toEqual(["a", "-x"]);
    expect(sent.at(-1)).toEqual({ recagent: "caught-up" });
    // A write sent before the primary's answer is applied before the worker may serve.
    r.receive(event(8, feedback("b")));
    r.receive({ recagent: "live" });
    await live;
    expect(serving).toBe(true);
    expect(applied).toEqual(["a", "-x", "b"]);
    // Serving: applied first, acknowledged after.
    r.receive(event(9, feedback("c")));
    expect(sent.at(-1)).toEqual({ recagent: "ack", seq: 8 });
    await tick();
    await tick();
    expect(applied).toEqual(["a", "-x", "b", "c"]);
    expect(sent.at(-1)).toEqual({ recagent: "ack", seq: 9 });
  });

  it("forwards its own writes, and applies a broadcast that follows one only after the service applied its own", async () => {
    const { r, sent, applied, appliers } = replica();
    void r.join();
    r.receive({ recagent: "cut", cut: { seq: 0, catalogBytes: 0, feedbackBytes: 0 } });
    const live = r.goLive(appliers);
    r.receive({ recagent: "live" });
    await live;
    // What ItemOnboarding does: log, then apply in the continuation, through a few awaits (index, mirror, memory).
    const own = (async () => {
      await r.logs.catalog.append({ op: "delete", id: "mine" });
      for (let depth = 0; depth < 10; depth++) await Promise.resolve();
      await appliers.onboarding.apply({ op: "delete", id: "mine" });
    })();
    expect(sent.at(-1)).toEqual({ recagent: "write", id: 1, write: { kind: "catalog", change: { op: "delete", id: "mine" } } });
    // The primary's answer and the next write arrive back to back, as they would in one read of the channel.
    r.receive({ recagent: "written", id: 1 });
    r.receive(event(2, feedback("theirs")));
    await own;
    for (let i = 0; i < 4; i++) await tick();
    expect(applied).toEqual(["-mine", "theirs"]);
  });

  it("rejects an append the primary could not record", async () => {
    const { r, appliers } = replica();
    void r.join();
    r.receive({ recagent: "cut", cut: { seq: 0, catalogBytes: 0, feedbackBytes: 0 } });
    const live = r.goLive(appliers);
    r.receive({ recagent: "live" });
    await live;
    const append = r.logs.catalog.append({ op: "delete", id: "x" });
    r.receive({ recagent: "write-failed", id: 1, message: "disk full" });
    await expect(append).rejects.toThrow(/disk full/);
  });
});
