/**
 * A real S3-compatible server for tests: moto (`python3 -m moto.server`, moto 5 is in these machines' python3),
 * started on a free loopback port by the test file that needs it and stopped after it. Where it cannot start
 * (no python3, no moto, no port), the S3 tests are skipped with the reason printed, never failed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll } from "vitest";

export interface MotoServer {
  endpoint: string;
  /** The AWS variables a client of this server needs (moto takes any keys). */
  env: Record<string, string>;
  /** Creates a new empty bucket and returns its name. */
  createBucket(): Promise<string>;
  stop(): Promise<void>;
}

/** moto imports a lot of Python: about 2 s on an idle machine, 8.4 s seen at load average 24 on 2 cores. */
const START_TIMEOUT_MS = 60_000;

/** Starts moto, or says why it could not. */
export async function startMotoServer(): Promise<MotoServer | { skipped: string }> {
  let lastReason = "";
  // A port found free can be taken before moto binds it; a second port settles that race.
  for (let attempt = 0; attempt < 2; attempt++) {
    const port = await freePort();
    const started = await launch(port);
    if (!("skipped" in started)) return started;
    lastReason = started.skipped;
    if (!/address already in use/i.test(lastReason)) break;
  }
  return { skipped: lastReason };
}

/** For a test file: the server, stopped after the file's tests; undefined (with the reason printed) where none can start. */
export async function motoForTests(): Promise<MotoServer | undefined> {
  const started = await startMotoServer();
  if ("skipped" in started) {
    console.warn(`S3 tests skipped: no S3-compatible server could start here (${started.skipped})`);
    return undefined;
  }
  afterAll(() => started.stop());
  return started;
}

async function launch(port: number): Promise<MotoServer | { skipped: string }> {
  const child = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<string>((resolve) => {
    child.once("error", (e) => resolve(`python3: ${e.message}`));
    child.once("exit", (code, signal) => resolve(`moto.server exited with ${signal ?? `code ${code}`}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
  });
  // A test run that dies without its afterAll still takes its server down.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  const waiting = { over: false };
  const up = await Promise.race([waitUntilAnswering(endpoint, waiting), exited, deadline(START_TIMEOUT_MS)]);
  waiting.over = true;
  if (up !== true) {
    await stopProcess(child);
    process.removeListener("exit", killOnExit);
    return { skipped: up };
  }
  const env = { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: "moto-test", AWS_SECRET_ACCESS_KEY: "moto-test", AWS_REGION: "us-east-1" };
  const client = new S3Client({
    endpoint,
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  return {
    endpoint,
    env,
    async createBucket() {
      const bucket = `recagent-test-${randomUUID().slice(0, 18)}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
    async stop() {
      client.destroy();
      await stopProcess(child);
      process.removeListener("exit", killOnExit);
    },
  };
}

async function waitUntilAnswering(endpoint: string, waiting: { over: boolean }): Promise<true | string> {
  while (!waiting.over) {
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      return true;
    } catch {
      await sleep(100);
    }
  }
  return "gave up";
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Resolves with a message after `ms`, without keeping the process alive for it. */
const deadline = (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve(`moto.server did not answer within ${ms / 1000} s`), ms).unref());
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
