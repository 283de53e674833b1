// Request latency against a running Worker (wrangler dev), to price the write log's per-request catch-up:
//   node scripts/bench-worker-writes.js http://127.0.0.1:8791 KEY [--reads N] [--writes N] [--fill N]
// Reads (GET /v1/items/1, POST /v1/recommendations for a known user) and feedback writes, one at a time;
// --fill N first commits N feedback events (8 at a time) to grow the log. Prints one JSON line per kind.
const [base, key, ...rest] = process.argv.slice(2);
if (!base || !key) {
  console.error("usage: node scripts/bench-worker-writes.js BASE_URL WRITE_KEY [--reads N] [--writes N] [--fill N]");
  process.exit(2);
}
const opt = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const json = { "content-type": "application/json" };
const write = { ...json, authorization: `Bearer ${key}` };
const requests = {
  "GET /v1/items/1": () => fetch(`${base}/v1/items/1`),
  "POST /v1/recommendations": () => fetch(`${base}/v1/recommendations`, { method: "POST", headers: json, body: JSON.stringify({ user_id: "1", k: 10 }) }),
  "POST /v1/feedback": (i) => fetch(`${base}/v1/feedback`, { method: "POST", headers: write, body: JSON.stringify({ user_id: `bench-${i % 50}`, item_id: "1" }) }),
};

async function timed(name, n) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await requests[name](i);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(2);
  console.log(JSON.stringify({ request: name, n, mean_ms: (ms.reduce((a, b) => a + b, 0) / n).toFixed(2), p50_ms: at(0.5), p99_ms: at(0.99) }));
}

const fill = opt("fill", 0);
if (fill > 0) {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = next++; i < fill; i = next++) {
      const res = await requests["POST /v1/feedback"](i);
      if (res.status !== 201) throw new Error(`fill: HTTP ${res.status} ${await res.text()}`);
    }
  }));
  console.log(JSON.stringify({ filled: fill, seconds: ((performance.now() - t) / 1000).toFixed(1) }));
}
const reads = opt("reads", 300);
// Warm up the isolate (artifact load, log replay) before timing.
await (await requests["GET /v1/items/1"]()).arrayBuffer();
if (reads > 0) {
  await timed("GET /v1/items/1", reads);
  await timed("POST /v1/recommendations", reads);
}
const writes = opt("writes", 100);
if (writes > 0) await timed("POST /v1/feedback", writes);
