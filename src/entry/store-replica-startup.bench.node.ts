/**
 * Start-up of a store replica on an empty local disk: `LANCEDB_LOG=error node --import tsx src/entry/store-replica-startup.bench.node.ts`.
 * Publishes one version of the bundled data (`recagent train --publish`, BENCH_MODEL, default als) to a fresh store
 * (a moto S3 server this script starts, or a folder with BENCH_STORE=folder), then starts BENCH_REPLICAS replicas
 * (default 3) one after another in this process, each with an empty --artifacts folder, and prints the time from
 * start to listening for each (download, checks, opening the version's items table on the store and bringing it up
 * to date, assembling the services), with the machine's load average.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMotoServer } from "../store/moto-server.node.ts";
import { serviceConfig, startServer } from "./node.ts";
import { storeReplicaState } from "./store-replica.node.ts";

const MODEL = process.env.BENCH_MODEL ?? "als";
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 3);
const recagent = fileURLToPath(new URL("../../bin/recagent.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "recagent-bench-startup-"));
let env: Record<string, string> = {};
let store = join(work, "store");
let stopMoto = async () => {};
if (process.env.BENCH_STORE !== "folder") {
  const moto = await startMotoServer();
  if ("skipped" in moto) throw new Error(`no moto server: ${moto.skipped}`);
  stopMoto = moto.stop;
  env = moto.env;
  store = `s3://${await moto.createBucket()}/bench`;
}

try {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [recagent, "train", "--dataset", "ml-latest-small", "--model", MODEL, "--no-tune", "--publish", store], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
    let err = "";
    child.stderr.on("data", (d) => (err += String(d)));
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`train --publish exited ${code}: ${err}`))));
  });
  console.log(`published ${MODEL} to ${store} in ${((performance.now() - t0) / 1000).toFixed(1)} s (train and the version's table)`);
  for (let r = 0; r < REPLICAS; r++) {
    const config = serviceConfig(["--port", "0", "--store", store, "--artifacts", join(work, `replica-${r}`)], {});
    const start = performance.now();
    const server = await startServer(config, () => {}, { LOG_LEVEL: "silent" }, storeReplicaState(config, env, () => {}));
    console.log(`replica ${r + 1}: listening ${((performance.now() - start) / 1000).toFixed(2)} s after start, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    await server.close();
  }
} finally {
  await stopMoto();
  rmSync(work, { recursive: true, force: true });
}
