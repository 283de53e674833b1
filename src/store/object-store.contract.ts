import { describe, expect, it } from "vitest";
import type { ObjectStore } from "./object-store.ts";

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

/** What every ObjectStore must do; run against each implementation with a fresh, empty store per test. */
export function describeObjectStoreContract(name: string, fresh: () => Promise<ObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    it("reads back what was put, and undefined for a missing key", async () => {
      const store = await fresh();
      expect(await store.get("a/b.json")).toBeUndefined();
      await store.put("a/b.json", '{"x":1}');
      await store.put("a/c.bin", new Uint8Array([0, 255, 7]));
      expect(text(await store.get("a/b.json"))).toBe('{"x":1}');
      expect(Array.from((await store.get("a/c.bin"))!)).toEqual([0, 255, 7]);
    });

    it("replaces an object whole on put", async () => {
      const store = await fresh();
      await store.put("k", "first, longer");
      await store.put("k", "second");
      expect(text(await store.get("k"))).toBe("second");
    });

    it("lets exactly one of several racing putIfAbsent calls win", async () => {
      const store = await fresh();
      const wins = await Promise.all(Array.from({ length: 6 }, (_, i) => store.putIfAbsent("lock/v1", `writer ${i}`)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(text(await store.get("lock/v1"))).toBe(`writer ${wins.indexOf(true)}`);
      expect(await store.putIfAbsent("lock/v1", "late")).toBe(false);
    });

    it("lists keys under a prefix in byte order, and forgets deleted ones", async () => {
      const store = await fresh();
      for (const key of ["log/0002", "log/0010", "log/0001", "model/x", "logs-other"]) await store.put(key, key);
      expect(await store.list("log/")).toEqual(["log/0001", "log/0002", "log/0010"]);
      await store.delete("log/0002");
      await store.delete("log/never-there");
      expect(await store.list("log/")).toEqual(["log/0001", "log/0010"]);
      expect(await store.list("nothing/")).toEqual([]);
    });

    it("lists only the keys after startAfter", async () => {
      const store = await fresh();
      for (const key of ["log/0001", "log/0002", "log/0010", "other/0003"]) await store.put(key, key);
      expect(await store.list("log/", { startAfter: "log/0001" })).toEqual(["log/0002", "log/0010"]);
      expect(await store.list("log/", { startAfter: "log/0005" })).toEqual(["log/0010"]);
      expect(await store.list("log/", { startAfter: "log/0010" })).toEqual([]);
      expect(await store.list("log/", { startAfter: "a" })).toEqual(["log/0001", "log/0002", "log/0010"]);
    });
  });
}
