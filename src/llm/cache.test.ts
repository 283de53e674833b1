import { describe, expect, it } from "vitest";
import { describeLlmCacheContract } from "./cache.contract.ts";
import { cacheKey, MemoryCache } from "./cache.ts";

describeLlmCacheContract("MemoryCache", () => new MemoryCache());

describe("cacheKey", () => {
  it("is a stable SHA-256 hex digest that changes with any part of the request", async () => {
    const request = { model: "m", messages: [{ role: "user", content: "hi" }], temperature: 0 };
    const key = await cacheKey(request);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await cacheKey(structuredClone(request))).toBe(key);
    expect(await cacheKey({ ...request, temperature: 0.5 })).not.toBe(key);
    expect(await cacheKey({ ...request, model: "n" })).not.toBe(key);
  });
});

describe("MemoryCache", () => {
  it("evicts the least recently used entry beyond its bound", async () => {
    const cache = new MemoryCache(2);
    await cache.set("a", "1");
    await cache.set("b", "2");
    await cache.get("a");
    await cache.set("c", "3");
    expect(cache.size).toBe(2);
    expect(await cache.get("b")).toBeUndefined();
    expect(await cache.get("a")).toBe("1");
    expect(await cache.get("c")).toBe("3");
  });
});
