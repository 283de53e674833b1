import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.ts";
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
    const config = serviceConfig(["--port", "0", "--artifacts", artifacts], { RECAGENT_API_KEY: KEY });
    const logs: string[] = [];
    const first = await startServer(config, (l) => logs.push(l));
    let top = "";
    const auth = { "content-type": "application/json", authorization: `Bearer ${KEY}` };
    try {
      expect(logs.some((l) => /^trained als on 610 users x 9724 items/.test(l))).toBe(true);
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
    expect(serviceConfig([], { PORT: "9000", HOST: "0.0.0.0" })).toMatchObject({ port: 9000, host: "0.0.0.0", dataset: "ml-latest-small", model: "als" });
  });
});

describe("recagent serve as a process", () => {
  it("stops on SIGTERM after finishing, exit code 0", async () => {
    const { spawn } = await import("node:child_process");
    const artifacts = mkdtempSync(join(tmpdir(), "recagent-sigterm-"));
    const child = spawn(process.execPath, [new URL("../../bin/recagent.js", import.meta.url).pathname, "serve", "--port", "0", "--artifacts", artifacts], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (d) => {
        stderr += String(d);
        const m = /serving .* on (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: shutting down/);
  });
});
