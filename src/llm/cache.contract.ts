import { describe, expect, it } from "vitest";
import { cacheKey, type LlmCache } from "./cache.ts";

/** What every LlmCache must do; run against each implementation. */
export function describeLlmCacheContract(name: string, make: () => Promise<LlmCache> | LlmCache): void {
  describe(`LlmCache contract: ${name}`, () => {
    it("returns what was stored, and undefined for an unknown key", async () => {
      const cache = await make();
      const key = await cacheKey({ model: "m", messages: [{ role: "user", content: "hi" }] });
      expect(await cache.get(key)).toBeUndefined();
      await cache.set(key, '{"answer": ["1"]}');
      expect(await cache.get(key)).toBe('{"answer": ["1"]}');
    });

    it("overwrites a key", async () => {
      const cache = await make();
      const key = await cacheKey("k");
      await cache.set(key, "old");
      await cache.set(key, "new ✓ «unicode»");
      expect(await cache.get(key)).toBe("new ✓ «unicode»");
    });
  });
}
