/**
 * `npm run bench:serve`: latency and throughput of POST /v1/recommendations over loopback, each request
 * folding in a 20-item history the model never saw. Two phases, both bounded in time:
 *  - closed loop: 16 concurrent clients as fast as the server answers (throughput);
 *  - open loop: requests started at a fixed 200 per second, 16 at most in flight (latency at that rate).
 * Prints one JSON line per phase. Starts its own server on an ephemeral port and stops it at the end.
 */
import { ServiceConfig } from "../core/config.ts";
import { startServer } from "../entry/node.ts";
import { mulberry32 } from "../numeric/random.ts";

const CONCURRENCY = 16;
const RATE = 200;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const HISTORY = 20;

const server = await startServer(ServiceConfig.parse({ port: 0 }), () => {});
const health = (await (await fetch(`${server.url}/healthz`)).json()) as { items: number; index: string };
const ids = (await (await fetch(`${server.url}/v1/items?q=the&k=100`)).json()) as { items: Array<{ id: string }> };
const pool = ids.items.map((i) => i.id);
const next = mulberry32(7);
const body = () => JSON.stringify({ history: Array.from({ length: HISTORY }, () => ({ item_id: pool[Math.floor(next() * pool.length)] })), k: 10 });

async function once(): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}/v1/recommendations`, { method: "POST", headers: { "content-type": "application/json" }, body: body() });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  return performance.now() - t0;
}

function summary(phase: string, latencies: number[], seconds: number, extra: Record<string, unknown> = {}) {
  const s = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  console.log(JSON.stringify({ bench: "serve", phase, index: health.index, items: health.items, requests: s.length, seconds: +seconds.toFixed(2), rps: +(s.length / seconds).toFixed(1), p50_ms: +q(0.5).toFixed(2), p90_ms: +q(0.9).toFixed(2), p99_ms: +q(0.99).toFixed(2), max_ms: +s[s.length - 1].toFixed(2), ...extra }));
}

for (let w = 0; w < 50; w++) await once();

{
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) latencies.push(await once());
  }));
  summary("closed-loop", latencies, (performance.now() - start) / 1000, { concurrency: CONCURRENCY });
}

{
  const latencies: number[] = [];
  const start = performance.now();
  const total = RATE * SECONDS;
  let inFlight = 0;
  let dropped = 0;
  const pending: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= CONCURRENCY) {
      dropped++;
      continue;
    }
    inFlight++;
    pending.push(once().then((ms) => void latencies.push(ms)).finally(() => inFlight--));
  }
  await Promise.all(pending);
  summary("open-loop", latencies, (performance.now() - start) / 1000, { target_rps: RATE, skipped_at_concurrency_limit: dropped });
}

await server.close();
