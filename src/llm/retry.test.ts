import { describe, expect, it } from "vitest";
import { retryAfterMs, retryDelayMs, sleep } from "./retry.ts";

describe("retryAfterMs", () => {
  const at = Date.parse("2026-01-01T00:00:00Z");
  it("reads retry-after-ms, Retry-After seconds and Retry-After dates", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" }), at)).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "3" }), at)).toBe(3000);
    expect(retryAfterMs(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), at)).toBe(5000);
    expect(retryAfterMs(new Headers({ "retry-after": "Wed, 31 Dec 2025 00:00:00 GMT" }), at)).toBe(0);
  });
  it("ignores missing or unreadable values", () => {
    expect(retryAfterMs(undefined, at)).toBeUndefined();
    expect(retryAfterMs(new Headers(), at)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), at)).toBeUndefined();
  });
});

describe("retryDelayMs", () => {
  it("doubles per retry with jitter in [half, full], capped", () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect(retryDelayMs(0, { ...opts, random: () => 0 })).toBe(50);
    expect(retryDelayMs(0, { ...opts, random: () => 1 })).toBe(100);
    expect(retryDelayMs(2, { ...opts, random: () => 1 })).toBe(400);
    expect(retryDelayMs(10, { ...opts, random: () => 1 })).toBe(1000);
  });
  it("prefers the server's Retry-After, capped", () => {
    expect(retryDelayMs(0, { baseMs: 100, maxMs: 1000, retryAfterMs: 700 })).toBe(700);
    expect(retryDelayMs(0, { baseMs: 100, maxMs: 1000, retryAfterMs: 60_000 })).toBe(1000);
  });
});

describe("sleep", () => {
  it("rejects with the abort reason", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});
