/**
 * The load generator of `npm run bench:serve`, run as a process of its own (serve.node.ts starts it) so its
 * CPU is not the server's. Reads a plan (JSON) on stdin and prints one JSON line per phase on stdout.
 *
 *  - open loop: request n is due at start + n / rate whatever the server does, and its latency runs from that
 *    due time (so time spent waiting for a free connection counts: no coordinated omission). autocannon's
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
import { Agent, type ClientRequest, request } from "node:http";
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

/** Sends one request; resolves with its status, 0 for a socket error or a timeout. `inFlight` holds it until then. */
function post(url: string, agent: Agent, body: string, inFlight: Set<ClientRequest>): Promise<number> {
  let req!: ClientRequest;
  const answer = new Promise<number>((resolve) => {
    req = request(`${url}${PATH}`, { method: "POST", agent, headers: { ...HEADERS, "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", () => resolve(0));
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy());
    req.on("error", () => resolve(0));
    req.end(body);
  });
  inFlight.add(req);
  return answer.finally(() => inFlight.delete(req));
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

async function openLoop(plan: Plan, rate: number, body: () => string): Promise<Outcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: OPEN_LOOP_SOCKETS });
  const total = Math.round(rate * plan.seconds);
  const latencies: number[] = [];
  let errors = 0;
  const answers: Promise<void>[] = [];
  const inFlight = new Set<ClientRequest>();
  const start = performance.now();
  for (let n = 0; n < total; ) {
    const now = performance.now();
    for (; n < total && start + (n * 1000) / rate <= now; n++) {
      const due = start + (n * 1000) / rate;
      answers.push(post(plan.url, agent, body(), inFlight).then((status) => (status === 200 && performance.now() - due <= TIMEOUT_MS ? void latencies.push(performance.now() - due) : void errors++)));
    }
    if (n < total) await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + (n * 1000) / rate - performance.now())));
  }
  // A saturated server leaves a queue behind: what is not answered by the last due time + TIMEOUT_MS is an error.
  const cutoff = setTimeout(() => inFlight.forEach((req) => req.destroy()), Math.max(0, start + plan.seconds * 1000 + TIMEOUT_MS - performance.now()));
  await Promise.all(answers);
  clearTimeout(cutoff);
  agent.destroy();
  return { latencies, errors, seconds: (performance.now() - start) / 1000 };
}

async function closedLoop(plan: Plan, connections: number, body: () => string): Promise<Outcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const inFlight = new Set<ClientRequest>();
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + plan.seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        if ((await post(plan.url, agent, body(), inFlight)) === 200) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  agent.destroy();
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
  let i = 0;
  const body = () => pool[i++ % pool.length];
  for (const phase of plan.phases) {
    const cpu0 = serverCpuMs(plan.serverPids);
    const own0 = process.cpuUsage();
    let figures: Record<string, unknown>;
    if (phase.kind === "autocannon") figures = await viaAutocannon(plan, phase.connections, body);
    else {
      const out = phase.kind === "open" ? await openLoop(plan, phase.rate, body) : await closedLoop(plan, phase.connections, body);
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
