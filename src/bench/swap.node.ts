/**
 * `npm run bench:swap`: a hot model swap under load on the bundled data. Publishes a first version to a fresh
 * folder store (`recagent train --publish`, BENCH_SWAP_FROM, default als), starts `recagent serve --store` on it as
 * a process of its own, and publishes a second version (BENCH_SWAP_TO, default ease) from a third process with no
 * requests coming in (the idle swap). Then it drives POST /v1/recommendations with autocannon from this process
 * (BENCH_CONNECTIONS, default 8), and after 3 s publishes the first model again; the load runs until the replica
 * has swapped, then BENCH_AFTER_SECONDS more (default 5). Prints both swap lines of the replica (load, assemble,
 * catch up and swap), the requests answered and failed under load, latency, and the machine's load average.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const AFTER_SECONDS = Number(process.env.BENCH_AFTER_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const FROM = process.env.BENCH_SWAP_FROM ?? "als";
const TO = process.env.BENCH_SWAP_TO ?? "ease";
const recagent = fileURLToPath(new URL("../../bin/recagent.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "recagent-bench-swap-"));
const store = join(work, "store");

function publish(model: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [recagent, "train", "--dataset", "ml-latest-small", "--model", model, "--no-tune", "--publish", store], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += String(d)));
  return new Promise((resolve, reject) => child.once("exit", (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`train --publish exited ${code}: ${err}`)))));
}

await publish(FROM);
const server = spawn(process.execPath, [recagent, "serve", "--store", store, "--port", "0", "--artifacts", join(work, "replica")], {
  stdio: ["ignore", "ignore", "pipe"],
  env: { ...process.env, LOG_LEVEL: "warn" },
});
let log = "";
const url = await new Promise<string>((resolve, reject) => {
  server.stderr.on("data", (d) => {
    log += String(d);
    const m = /serving .* on (http:\/\/\S+)/.exec(log);
    if (m) resolve(m[1]);
  });
  server.once("exit", (code) => reject(new Error(`serve exited ${code}: ${log}`)));
});
/** Resolves with the replica's next swap line (or its line saying a version was not loaded). */
const swapped = async (seen: number): Promise<string> => {
  for (;;) {
    const lines = [...log.matchAll(/(swapped to model version|model version \S+ not loaded).*/g)].map((m) => m[0]);
    if (lines.length > seen) return lines[seen];
    await new Promise((r) => setTimeout(r, 100));
  }
};
await publish(TO);
const idleSwap = await swapped(0);

const users = Array.from({ length: 50 }, (_, u) => String(u + 1));
let next = 0;
const t0 = performance.now();
let instance: autocannon.Instance | undefined;
const run = new Promise<autocannon.Result>((resolve, reject) => {
  instance = autocannon(
    {
      url: `${url}/v1/recommendations`,
      connections: CONNECTIONS,
      duration: 3600,
      requests: [{ method: "POST", headers: { "content-type": "application/json" }, setupRequest: (req) => ({ ...req, body: JSON.stringify({ user_id: users[next++ % users.length], k: 10 }) }) }],
    },
    (err, result) => (err ? reject(err) : resolve(result)),
  );
});
await new Promise((r) => setTimeout(r, 3000));
const publishSeconds = await publish(FROM);
const loadedSwap = await swapped(1);
await new Promise((r) => setTimeout(r, AFTER_SECONDS * 1000));
instance!.stop();
const result = await run;
const seconds = (performance.now() - t0) / 1000;
server.kill("SIGTERM");
await new Promise((r) => server.once("exit", r));
rmSync(work, { recursive: true, force: true });
console.log(`idle: ${idleSwap}`);
console.log(`under load: ${loadedSwap}`);
console.log(`train --publish ${FROM} under load: ${publishSeconds.toFixed(1)} s (a process of its own, on the same cores)`);
console.log(
  `${seconds.toFixed(0)} s at ${CONNECTIONS} connections: ${result.requests.total} requests, ${result["2xx"]} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts; ` +
    `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
);
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
