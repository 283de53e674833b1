/**
 * The load generator of `npm run bench:serve`, run as a process of its own (serve.node.ts starts it) so its
 * CPU is not the server's. Reads a plan (JSON) on stdin and prints one JSON line per phase on stdout.
 *
 *  - open loop: request n is due at start + n / rate whatever the server does, and its latency runs from that
 *    due time (so time spent waiting for one of 256 connections to come free counts: no coordinated omission). autocannon's
 *    fixed-rate mode cannot do this: it allows each connection `rate` requests per one-second window, sent
 *    back to back when the window opens, and times each request from when it was sent.
 *  - closed loop: `connections` clients each send the next request when the previous answer arrives.
 *  - autocannon: the closed loop again through autocannon, a cross-check of this client (whole milliseconds).
 *
 * Every request is POST /v1/recommendations with a random history the model never saw; the server's CPU time
 * over the phase (from /proc) divided by the requests answered is reported as its cost per request.
 */
import autocannon from "autocannon";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { mulberry32 } from "../numeric/random.ts";

export type Phase = { kind: "open"; rate: number } | { kind: "closed"; connections: number } | { kind: "autocannon"; connections: number };

export interface Plan {
  url: string;
  /** Item ids histories are drawn from. */
  pool: string[];
  history: number;
  k: number;
  seconds: number;
  phases: Phase[];
  /** The server's processes, for their CPU time. */
  serverPids: number[];
}

const PATH = "/v1/recommendations";
const HEADERS = { "content-type": "application/json" };
/** An answer later than this (after its due time, in the open loop) counts as an error, and is not waited for. */
const TIMEOUT_MS = 10_000;
/** Connections an open-loop phase may open: enough that 4,000/s at 60 ms each still finds one free. */
const OPEN_LOOP_SOCKETS = 256;

function bodies(plan: Plan, count: number): string[] {
  const next = mulberry32(11);
  return Array.from({ length: count }, () =>
    JSON.stringify({ history: Array.from({ length: plan.history }, () => ({ item_id: plan.pool[Math.floor(next() * plan.pool.length)] })), k: plan.k }),
  );
}

/**
 * One keep-alive HTTP/1.1 connection that writes prebuilt request bytes and reads back only the status and
 * the body's extent (Content-Length, or chunked). It spends a fraction of node:http's client CPU per request,
 * which matters when the generator shares the machine's cores with the server. One request at a time.
 */
class Connection {
  private socket?: Socket;
  private received: Buffer = Buffer.alloc(0);
  private settle?: (status: number) => void;
  /** When the request in flight was written (0: none). */
  sentAt = 0;

  constructor(private readonly target: URL) {}

  request(bytes: Buffer): Promise<number> {
    return new Promise((resolve) => {
      this.settle = resolve;
      this.sentAt = performance.now();
      (this.socket ?? this.connect()).write(bytes);
    });
  }

  /** Ends the request in flight as an error (status 0); the next request opens a new connection. */
  abort(): void {
    this.socket?.destroy();
    this.finish(0);
  }

  private connect(): Socket {
    const socket = connect({ host: this.target.hostname, port: Number(this.target.port) });
    socket.setNoDelay(true);
    socket.on("data", (data) => this.read(data));
    socket.on("error", () => {});
    socket.on("close", () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.received = Buffer.alloc(0);
      this.finish(0);
    });
    this.socket = socket;
    return socket;
  }

  private read(data: Buffer): void {
    this.received = this.received.length ? Buffer.concat([this.received, data]) : data;
    const headerEnd = this.received.indexOf("\r\n\r\n");
    if (headerEnd < 0) return;
    const head = this.received.toString("latin1", 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    // JSON escapes CR and LF inside strings, so the chunked terminator cannot occur inside the body.
    const terminator = length ? -1 : this.received.indexOf("\r\n0\r\n\r\n", headerEnd + 2);
    const end = length ? headerEnd + 4 + Number(length[1]) : terminator < 0 ? Infinity : terminator + 7;
    if (this.received.length < end) return;
    this.received = this.received.subarray(end);
    this.finish(Number(head.slice(9, 12)));
  }

  private finish(status: number): void {
    const settle = this.settle;
    this.settle = undefined;
    this.sentAt = 0;
    settle?.(status);
  }
}

/** Aborts every request that has waited longer than TIMEOUT_MS; returns a stop function. */
function abortLate(connections: readonly Connection[]): () => void {
  const timer = setInterval(() => {
    const now = performance.now();
    for (const c of connections) if (c.sentAt && now - c.sentAt > TIMEOUT_MS) c.abort();
  }, 250);
  return () => clearInterval(timer);
}

/** utime + stime of the server's processes, in milliseconds (from /proc: Linux only). */
function serverCpuMs(pids: number[]): number | undefined {
  try {
    const ticks = pids.reduce((sum, pid) => {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      return sum + Number(fields[11]) + Number(fields[12]);
    }, 0);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

interface Outcome {
  latencies: number[];
  errors: number;
  seconds: number;
}

async function openLoop(plan: Plan, rate: number, body: () => Buffer): Promise<Outcome> {
  const target = new URL(plan.url);
  const total = Math.round(rate * plan.seconds);
  const latencies: number[] = [];
  let errors = 0;
  const all: Connection[] = [];
  const free: Connection[] = [];
  const queued: Array<{ due: number; bytes: Buffer }> = [];
  let answered = 0;
  let allAnswered!: () => void;
  const done = new Promise<void>((resolve) => (allAnswered = resolve));
  const count = () => ++answered === total && allAnswered();
  const dispatch = (connection: Connection, job: { due: number; bytes: Buffer }) => {
    connection.request(job.bytes).then((status) => {
      if (status === 200 && performance.now() - job.due <= TIMEOUT_MS) latencies.push(performance.now() - job.due);
      else errors++;
      count();
      const next = queued.shift();
      if (next) dispatch(connection, next);
      else free.push(connection);
    });
  };
  const stopAborting = abortLate(all);
  const start = performance.now();
  for (let n = 0; n < total; ) {
    const now = performance.now();
    for (; n < total && start + (n * 1000) / rate <= now; n++) {
      const job = { due: start + (n * 1000) / rate, bytes: body() };
      let connection = free.pop();
      if (!connection && all.length < OPEN_LOOP_SOCKETS) all.push((connection = new Connection(target)));
      if (connection) dispatch(connection, job);
      else queued.push(job);
    }
    if (n < total) await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + (n * 1000) / rate - performance.now())));
  }
  // A saturated server leaves a queue behind: what is not answered by the last due time + TIMEOUT_MS is an error.
  const cutoff = setTimeout(() => {
    errors += queued.length;
    for (let i = queued.length; i > 0; i--) count();
    queued.length = 0;
    for (const c of all) c.abort();
  }, Math.max(0, start + plan.seconds * 1000 + TIMEOUT_MS - performance.now()));
  await done;
  clearTimeout(cutoff);
  stopAborting();
  for (const c of all) c.abort();
  return { latencies, errors, seconds: (performance.now() - start) / 1000 };
}

async function closedLoop(plan: Plan, connections: number, body: () => Buffer): Promise<Outcome> {
  const all = Array.from({ length: connections }, () => new Connection(new URL(plan.url)));
  const stopAborting = abortLate(all);
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + plan.seconds * 1000;
  await Promise.all(
    all.map(async (connection) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        if ((await connection.request(body())) === 200) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  stopAborting();
  for (const c of all) c.abort();
  return { latencies, errors, seconds: (performance.now() - start) / 1000 };
}

function quantiles(latencies: number[]) {
  const s = Float64Array.from(latencies).sort();
  const q = (p: number) => (s.length ? +s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2) : null);
  return { p50_ms: q(0.5), p90_ms: q(0.9), p99_ms: q(0.99), p999_ms: q(0.999), max_ms: s.length ? +s[s.length - 1].toFixed(2) : null };
}

async function viaAutocannon(plan: Plan, connections: number, body: () => string) {
  const result = await autocannon({
    url: plan.url,
    connections,
    duration: plan.seconds,
    requests: [{ method: "POST", path: PATH, headers: HEADERS, setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  const l = result.latency;
  return {
    requests: result.requests.total,
    achieved_rps: +(result.requests.total / plan.seconds).toFixed(1),
    errors: result.errors + result.timeouts + result.non2xx,
    p50_ms: l.p50,
    p90_ms: l.p90,
    p99_ms: l.p99,
    p999_ms: l.p99_9,
    max_ms: l.max,
  };
}

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(0, "utf8")) as Plan;
  const pool = bodies(plan, 4096);
  const host = new URL(plan.url).host;
  const requests = pool.map((b) => Buffer.from(`POST ${PATH} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`));
  let i = 0;
  const body = () => pool[i++ % pool.length];
  const nextRequest = () => requests[i++ % requests.length];
  for (const phase of plan.phases) {
    const cpu0 = serverCpuMs(plan.serverPids);
    const own0 = process.cpuUsage();
    let figures: Record<string, unknown>;
    if (phase.kind === "autocannon") figures = await viaAutocannon(plan, phase.connections, body);
    else {
      const out = phase.kind === "open" ? await openLoop(plan, phase.rate, nextRequest) : await closedLoop(plan, phase.connections, nextRequest);
      figures = { requests: out.latencies.length, achieved_rps: +(out.latencies.length / out.seconds).toFixed(1), errors: out.errors, ...quantiles(out.latencies) };
    }
    const cpu1 = serverCpuMs(plan.serverPids);
    const own = process.cpuUsage(own0);
    const answered = figures.requests as number;
    console.log(
      JSON.stringify({
        phase: phase.kind === "open" ? `open ${phase.rate}/s` : `${phase.kind} ${phase.connections} conn`,
        ...phase,
        ...figures,
        server_cpu_ms_per_req: cpu0 !== undefined && cpu1 !== undefined && answered ? +((cpu1 - cpu0) / answered).toFixed(3) : null,
        load_cpu_ms_per_req: answered ? +((own.user + own.system) / 1000 / answered).toFixed(3) : null,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

await main();
