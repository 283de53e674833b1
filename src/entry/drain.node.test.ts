import { Agent, createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { drainingClose } from "./drain.node.ts";

// Keep-alive connections stay open for a minute here, beyond the tests' 20 s timeout: a close() that waited for
// them (or for its grace period, set as long in the first test) instead of closing them would time the test out.
const KEEP_ALIVE_MS = 60_000;
const agent = new Agent({ keepAlive: true });
afterEach(() => agent.destroy());

async function listening(handler: Parameters<typeof createServer>[1], graceMs: number) {
  const server: Server = createServer(handler);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  const close = drainingClose(server, graceMs);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  /** GET over the keep-alive pool, or over a connection of its own. */
  const fetchText = (path: string, opts: { fresh?: boolean } = {}) =>
    new Promise<string>((resolve, reject) => {
      get({ host: "127.0.0.1", port, path, agent: opts.fresh ? false : agent }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve(`${res.statusCode} ${body}`));
      }).on("error", reject);
    });
  return { close, fetchText };
}

describe("drainingClose", () => {
  it("lets the request in flight finish, closes idle and finished keep-alive connections, and accepts no new ones", { timeout: 20_000 }, async () => {
    let arrived: () => void = () => {};
    const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
    const { close, fetchText } = await listening((req, res) => {
      if (req.url !== "/slow") return void res.end("fast");
      arrived();
      setTimeout(() => res.end("slow"), 300);
    }, KEEP_ALIVE_MS);
    expect(await fetchText("/fast")).toBe("200 fast"); // leaves an idle keep-alive connection
    const slow = fetchText("/slow");
    await slowArrived;
    await close();
    expect(await slow).toBe("200 slow");
    await expect(fetchText("/fast", { fresh: true })).rejects.toThrow(/ECONNREFUSED/);
  });

  it("cuts a request still running when the grace period ends", { timeout: 20_000 }, async () => {
    let arrived: () => void = () => {};
    const hungArrived = new Promise<void>((resolve) => (arrived = resolve));
    const { close, fetchText } = await listening(() => arrived(), 200);
    const hung = fetchText("/never");
    await hungArrived;
    await close();
    await expect(hung).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
