/**
 * `npm run bench:serve`: POST /v1/recommendations (a random 20-item history the model never saw, k=10) against
 * `recagent serve` started here as a process of its own (--workers, default one per core, on an ephemeral
 * port, over the build in artifacts/), with the load driven from another process (load.node.ts):
 *   open loop at fixed rates (200, 500, 1,000, 2,000, 4,000 requests/s), closed loop at 32 and 4 connections,
 *   and autocannon at 32 connections as a cross-check of the generator.
 * Each phase lasts BENCH_SECONDS (default 10). Prints one JSON line per phase, then a table, the RSS of every
 * server process, and the machine's load average (other jobs share these cores). Environment: BENCH_SECONDS,
 * BENCH_WORKERS, BENCH_MODEL (the service's --model; default its default), BENCH_RATES (comma-separated),
 * BENCH_CONNECTIONS (comma-separated), LOG_LEVEL (the server's).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { formatTable } from "../cli/table.ts";
import type { Phase, Plan } from "./load.node.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WORKERS = Number(process.env.BENCH_WORKERS ?? availableParallelism());
const RATES = (process.env.BENCH_RATES ?? "200,500,1000,2000,4000").split(",").map(Number);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "32,4").split(",").map(Number);
const MODEL = process.env.BENCH_MODEL ? ["--model", process.env.BENCH_MODEL] : [];
const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Starts `recagent serve` and resolves with its URL once it answers; its stdout (request logs) is dropped. */
function startServer() {
  const child = spawn(process.execPath, [root("bin/recagent.js"), "serve", "--port", "0", "--workers", String(WORKERS), ...MODEL], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (d) => {
      stderr += String(d);
      const m = /serving .* on (http:\/\/\S+?);?\s/.exec(stderr);
      if (m && (WORKERS === 1 || /workers serving on/.test(stderr))) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`recagent serve exited with ${code}:\n${stderr}`)));
  });
  return { child, url, log: () => stderr };
}

/** The server's processes: the primary and its children (the workers). */
function serverPids(primary: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${primary}/task/${primary}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Not Linux: the CPU and memory columns stay empty.
  }
  return [primary, ...children];
}

/** Resident and proportional set size (shared pages divided among the processes sharing them), in MB. */
function memoryOf(pid: number): { rss_mb: number; pss_mb: number } | undefined {
  try {
    const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    return { rss_mb: Math.round(kb(rollup, "Rss") / 1024), pss_mb: Math.round(kb(rollup, "Pss") / 1024) };
  } catch {
    return undefined;
  }
}

function runLoad(plan: Plan, onPhase: (line: Record<string, unknown>) => void): Promise<void> {
  const load = spawn(process.execPath, ["--import", "tsx", root("src/bench/load.node.ts")], { stdio: ["pipe", "pipe", "inherit"] });
  let buffered = "";
  load.stdout.on("data", (d) => {
    buffered += String(d);
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      onPhase(JSON.parse(buffered.slice(0, nl)));
      buffered = buffered.slice(nl + 1);
    }
  });
  load.stdin.end(JSON.stringify(plan));
  return new Promise((resolve, reject) => load.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`load generator exited with ${code}`)))));
}

const started = performance.now();
const server = startServer();
try {
  const url = await server.url;
  const startSeconds = +((performance.now() - started) / 1000).toFixed(1);
  const health = (await (await fetch(`${url}/healthz`)).json()) as { items: number; index: string; model: string };
  const ids = (await (await fetch(`${url}/v1/items?q=the&k=100`)).json()) as { items: Array<{ id: string }> };
  const pids = serverPids(server.child.pid!);
  const base = { url, pool: ids.items.map((i) => i.id), history: 20, k: 10, serverPids: pids };
  const context = { bench: "serve", workers: WORKERS, model: health.model, items: health.items, index: health.index, seconds: SECONDS, log_level: process.env.LOG_LEVEL ?? "info", start_s: startSeconds };
  const load0 = loadavg()[0];

  // Warm-up, not reported: every worker's JIT and caches see the request path first.
  await runLoad({ ...base, seconds: Math.min(SECONDS, 3), phases: [{ kind: "closed", connections: 8 }] }, () => {});
  const phases: Phase[] = [
    ...RATES.map((rate): Phase => ({ kind: "open", rate })),
    ...CONNECTIONS.map((connections): Phase => ({ kind: "closed", connections })),
    { kind: "autocannon", connections: Math.max(...CONNECTIONS) },
  ];
  const rows: Array<Record<string, unknown>> = [];
  await runLoad({ ...base, seconds: SECONDS, phases }, (line) => {
    const row = { ...context, ...line, loadavg_1m: +loadavg()[0].toFixed(2) };
    rows.push(row);
    console.log(JSON.stringify(row));
  });

  const memory = pids.map((pid, i) => ({ process: i === 0 ? "primary" : `worker ${i}`, pid, ...memoryOf(pid) }));
  console.log(JSON.stringify({ ...context, phase: "memory", processes: memory }));
  console.log();
  console.log(
    formatTable(
      ["phase", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "server CPU ms/req", "load CPU ms/req"],
      rows.map((r) => [r.phase, r.achieved_rps, r.p50_ms, r.p99_ms, r.p999_ms, r.max_ms, r.errors, r.server_cpu_ms_per_req, r.load_cpu_ms_per_req].map((v) => String(v ?? "-"))),
    ),
  );
  console.log(`memory: ${memory.map((m) => `${m.process} RSS ${m.rss_mb ?? "?"} MB (PSS ${m.pss_mb ?? "?"})`).join(", ")}`);
  console.log(`${WORKERS} worker(s) serving after ${startSeconds} s, ${health.model} over ${health.items} items (${health.index}); load average ${load0.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end, ${availableParallelism()} cores`);
} finally {
  server.child.kill("SIGTERM");
}
