import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeLlmCacheContract } from "./cache.contract.ts";
import { cacheKey } from "./cache.ts";
import { FileCache } from "./file-cache.node.ts";

const root = await mkdtemp(join(tmpdir(), "recagent-llm-cache-"));
afterAll(() => rm(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `cache-${dirs++}`);

describeLlmCacheContract("FileCache", () => new FileCache(freshDir()));

describe("FileCache", () => {
  it("keeps one JSON file per key, survives a new instance, and leaves no temporary files", async () => {
    const dir = freshDir();
    const keys = await Promise.all(["a", "b"].map((k) => cacheKey(k)));
    await Promise.all(keys.map((k, i) => new FileCache(dir).set(k, `value ${i}`)));
    await new FileCache(dir).set(keys[0], "value 0 again");
    expect((await readdir(dir)).sort()).toEqual(keys.map((k) => `${k}.json`).sort());
    expect(await new FileCache(dir).get(keys[0])).toBe("value 0 again");
  });

  it("refuses keys that are not hex digests", async () => {
    await expect(new FileCache(freshDir()).get("../escape")).rejects.toThrow(/not a hex cache key/);
  });
});
