import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.ts";
import { syntheticRows } from "../eval/tuning/synthetic.ts";
import { serviceConfig, startServer } from "./node.ts";

const KEY = "node-test-key";

type Json = Record<string, any>;
const json = async (res: Response | Promise<Response>) => (await (await res).json()) as Json;

describe("Node service on the bundled data", () => {
  it("builds on first start, serves, keeps writes across a restart, and reuses the build", async () => {
    const artifacts = mkdtempSync(join(tmpdir(), "recagent-artifacts-"));
    // A build killed earlier leaves a temporary directory behind: it must be ignored, not trusted.
    mkdirSync(join(artifacts, "ml-latest-small-als.building-99999"));
    writeFileSync(join(artifacts, "ml-latest-small-als.building-99999", "garbage"), "x");
    const config = serviceConfig(["--port", "0", "--artifacts", artifacts, "--model", "als", "--no-tune"], { RECAGENT_API_KEY: KEY });
    const logs: string[] = [];
    const first = await startServer(config, (l) => logs.push(l));
    let top = "";
    const auth = { "content-type": "application/json", authorization: `Bearer ${KEY}` };
    try {
      expect(logs.some((l) => /^trained als\(.*\), weighting binary, no recency weighting on 610 users x 9724 items/.test(l))).toBe(true);
      const health = await json(fetch(`${first.url}/healthz`));
      expect(health).toMatchObject({ status: "ok", model: "als", items: 9742 });
      const before = await json(fetch(`${first.url}/v1/recommendations`, { method: "POST", headers: auth, body: JSON.stringify({ user_id: "1", k: 5 }) }));
      expect(before.items).toHaveLength(5);
      top = before.items[0].id;
      expect((await fetch(`${first.url}/v1/feedback`, { method: "POST", headers: auth, body: JSON.stringify({ user_id: "1", item_id: top }) })).status).toBe(201);
      expect((await fetch(`${first.url}/v1/items`, { method: "POST", headers: auth, body: JSON.stringify({ id: "brand-new", title: "A Brand New Film", genres: ["Drama"], year: 2024 }) })).status).toBe(201);
    } finally {
      await first.close();
    }

    // The feedback was replayed from its log: the item now counts as seen.
    const again: string[] = [];
    const second = await startServer(config, (l) => again.push(l));
    try {
      expect(again.some((l) => l.startsWith("trained"))).toBe(false);
      const after = await json(fetch(`${second.url}/v1/recommendations`, { method: "POST", headers: auth, body: JSON.stringify({ user_id: "1", k: 50 }) }));
      expect(after.items.length).toBe(50);
      expect(after.items.map((i: { id: string }) => i.id)).not.toContain(top);
      const item = await fetch(`${second.url}/v1/items/brand-new`);
      expect(item.status).toBe(200);
      expect((await json(fetch(`${second.url}/healthz`))).items).toBe(9743);
    } finally {
      await second.close();
    }
    expect(readdirSync(artifacts).filter((d) => d.includes(".building-") && !d.endsWith("99999"))).toEqual([]);
    expect(existsSync(join(artifacts, "ml-latest-small-als", "manifest.json"))).toBe(true);
  });

  it("turns bad configuration into an InputError that says what is wrong", () => {
    expect(() => serviceConfig(["--port", "http"], {})).toThrow(InputError);
    expect(() => serviceConfig(["--port", "http"], {})).toThrow(/port/);
    expect(() => serviceConfig(["--nope"], {})).toThrow(/Unknown option '--nope'/);
    expect(serviceConfig([], { PORT: "9000", HOST: "0.0.0.0" })).toMatchObject({ port: 9000, host: "0.0.0.0", dataset: "ml-latest-small", model: "auto", tune: true });
    expect(serviceConfig(["--model", "ease", "--no-tune"], {})).toMatchObject({ model: "ease", tune: false });
    expect(serviceConfig(["--tune-budget", "5"], {})).toMatchObject({ tune: true, tuneBudget: 5 });
    expect(() => serviceConfig(["--tune-budget", "soon"], {})).toThrow(/tuneBudget/);
  });
});

describe("Node service tuned at build time", () => {
  it("chooses the model on validation within the budget, serves it, keeps the report, and reuses the build", async () => {
    const dir = mkdtempSync(join(tmpdir(), "recagent-tuned-"));
    const file = join(dir, "plays.tsv");
    const rows = syntheticRows({ users: 150, items: 200, eventsPerUser: 25, clusters: 6, drift: 0.3, values: "counts", seed: 3 });
    writeFileSync(file, rows.map((r) => `${r.user}\t${r.item}\t${r.value}\t${r.timestamp}`).join("\n"));
    const config = serviceConfig(["--port", "0", "--artifacts", join(dir, "artifacts"), "--interactions", file, "--tune-budget", "4"], {});
    const logs: string[] = [];
    const server = await startServer(config, (l) => logs.push(l));
    let model = "";
    try {
      const health = await json(fetch(`${server.url}/healthz`));
      model = health.model;
      expect(health.scorer).toBe(["als", "bpr"].includes(model) ? "index" : "dense");
      const recs = await json(fetch(`${server.url}/v1/recommendations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user_id: rows[0].user, k: 5 }) }));
      expect(recs.items).toHaveLength(5);
    } finally {
      await server.close();
    }
    const build = readdirSync(join(dir, "artifacts")).find((d) => d.endsWith("-auto"))!;
    const manifest = JSON.parse(readFileSync(join(dir, "artifacts", build, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ model: "auto", tune: true });
    expect(manifest.chosen).toContain("weighting");
    const report = JSON.parse(readFileSync(join(dir, "artifacts", build, "tuning-report.json"), "utf8"));
    expect(report.valuesLookLikeCounts).toBe(true);
    expect(report.trials.length).toBeGreaterThan(1);
    expect(logs.some((l) => l.startsWith("tuning: "))).toBe(true);
    const again: string[] = [];
    const second = await startServer(config, (l) => again.push(l));
    try {
      expect(again.some((l) => l.startsWith("trained") || l.startsWith("tuning"))).toBe(false);
      expect((await json(fetch(`${second.url}/healthz`))).model).toBe(model);
    } finally {
      await second.close();
    }
  });

  it("refuses parameters fixed by hand while tuning, and auto without tuning, saying what to change", async () => {
    const artifacts = mkdtempSync(join(tmpdir(), "recagent-bad-"));
    const settings = join(artifacts, "config.json");
    writeFileSync(settings, JSON.stringify({ model: "als", params: { reg: 3 } }));
    await expect(startServer(serviceConfig(["--config", settings, "--artifacts", artifacts], {}), () => {})).rejects.toThrow(/--no-tune/);
    await expect(startServer(serviceConfig(["--no-tune", "--artifacts", artifacts], {}), () => {})).rejects.toThrow(/name the model/);
    await expect(startServer(serviceConfig(["--model", "nope", "--artifacts", artifacts], {}), () => {})).rejects.toThrow(/unknown model "nope"/);
  });
});

describe("recagent serve as a process", () => {
  /** GET or POST over a connection of its own, so that the cluster's primary hands each request to the next worker. */
  function request(url: string, body?: unknown): Promise<{ status: number; headers: IncomingHttpHeaders; json: Json }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = httpRequest(url, { method: payload ? "POST" : "GET", agent: false, headers: payload ? { "content-type": "application/json" } : {} }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text.startsWith("{") ? JSON.parse(text) : { text } }));
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  it("serves metrics summed over its workers, logs JSON lines, and on SIGTERM finishes the request in flight, then exits 0", { timeout: 180_000 }, async () => {
    // An LLM endpoint that takes requests and never answers: a re-ranking request stays in flight until its deadline.
    const llmCalls: string[] = [];
    let llmCalled: () => void = () => {};
    const llmReached = new Promise<void>((resolve) => (llmCalled = resolve));
    const llm = createServer((req) => {
      llmCalls.push(`${req.method} ${req.url}`);
      llmCalled();
    });
    await new Promise<void>((resolve) => llm.listen(0, "127.0.0.1", resolve));
    const env = { ...process.env, OPENAI_BASE_URL: `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`, RECAGENT_LLM_DEADLINE_MS: "3000" };

    const artifacts = mkdtempSync(join(tmpdir(), "recagent-sigterm-"));
    const args = [new URL("../../bin/recagent.js", import.meta.url).pathname, "serve", "--port", "0", "--workers", "2", "--artifacts", artifacts, "--model", "als", "--no-tune"];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on("data", (d) => {
          stderr += String(d);
          const m = /cluster: 2 workers serving on (http:\/\/[\w.:]+)/.exec(stderr);
          if (m) resolve(m[1]);
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });

      const health = await Promise.all(Array.from({ length: 4 }, () => request(`${url}/healthz`)));
      expect(health.map((h) => h.status)).toEqual([200, 200, 200, 200]);
      expect(new Set(health.map((h) => h.headers["x-recagent-worker"])).size).toBe(2);
      const metrics = (await request(`${url}/metrics`)).json.text as string;
      expect(metrics).toContain('recagent_http_requests_total{method="GET",route="/healthz",status="200"} 4\n');
      expect(metrics).toMatch(/^recagent_index_items\{kind="[^"]+"\} 9742$/m);

      const inFlight = request(`${url}/v1/recommendations`, { history: [{ item_id: "1" }], k: 5, rerank: "llm" });
      await llmReached;
      child.kill("SIGTERM");
      const answered = await inFlight;
      expect(answered.status).toBe(200);
      expect(answered.json.ranker).toEqual({ name: "retrieval", fallback: "timeout" });
      expect(answered.json.items).toHaveLength(5);
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM: shutting down/);
      expect(llmCalls).toEqual(["POST /v1/chat/completions"]);

      const requestId = answered.headers["x-request-id"];
      const logged = stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Json);
      expect(logged.find((l) => l.req_id === requestId)).toMatchObject({ level: 30, msg: "request", method: "POST", route: "/v1/recommendations", status: 200 });
    } finally {
      child.kill("SIGKILL");
      llm.closeAllConnections();
      llm.close();
    }
  });
});
