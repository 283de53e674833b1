import { describe, expect, it } from "vitest";
import { mulberry32, mulberry32Bits, normalSampler, seededStream, shuffle, uniformArray } from "./random.ts";

describe("mulberry32", () => {
  it("repeats for a seed and differs across seeds", () => {
    const a = uniformArray(5, 1, mulberry32(7));
    expect(Array.from(uniformArray(5, 1, mulberry32(7)))).toEqual(Array.from(a));
    expect(Array.from(uniformArray(5, 1, mulberry32(8)))).not.toEqual(Array.from(a));
  });

  it("skip hands draws to mulberry32Bits and the stream goes on after them, each draw its bits / 2^32", () => {
    for (const seed of [0, 7, 0xffffffff]) {
      const single = mulberry32(seed);
      const bulk = mulberry32(seed);
      const expected = Array.from({ length: 1000 }, () => single() * 4294967296);
      const bits = new Uint32Array(600);
      mulberry32Bits(bulk.skip(600), bits);
      const rest = new Uint32Array(399);
      mulberry32Bits(bulk.skip(399), rest);
      expect([...bits, ...rest, bulk() * 4294967296]).toEqual(expected);
    }
  });

  it("is recognised as a seeded stream; a plain function is not", () => {
    expect(seededStream(mulberry32(1))).toBeDefined();
    expect(seededStream(() => 0.5)).toBeUndefined();
  });

  it("stays in [0, scale) with a mean near the middle", () => {
    const xs = uniformArray(10_000, 0.01, mulberry32(1));
    expect(xs.every((x) => x >= 0 && x < 0.01)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.0049);
    expect(mean).toBeLessThan(0.0051);
  });
});

describe("normalSampler", () => {
  it("has mean 0 and variance 1, and repeats for a seed", () => {
    const draw = normalSampler(mulberry32(3));
    const xs = Array.from({ length: 20_000 }, draw);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const again = normalSampler(mulberry32(3));
    expect(Array.from({ length: 5 }, again)).toEqual(xs.slice(0, 5));
  });
});

describe("shuffle", () => {
  it("permutes only the given range, reproducibly", () => {
    const a = Int32Array.from({ length: 10 }, (_, i) => i);
    const b = a.slice();
    shuffle(a, mulberry32(5), 2, 8);
    shuffle(b, mulberry32(5), 2, 8);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a.subarray(0, 2))).toEqual([0, 1]);
    expect(Array.from(a.subarray(8))).toEqual([8, 9]);
    expect(Array.from(a.subarray(2, 8)).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(Array.from(a.subarray(2, 8))).not.toEqual([2, 3, 4, 5, 6, 7]);
  });
});
