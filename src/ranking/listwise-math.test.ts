import { describe, expect, it } from "vitest";
import { bordaScores } from "./borda.ts";
import { llmWeight } from "./history-gate.ts";
import { readLabels } from "./labels.ts";
import { slide, slidingWindows } from "./windows.ts";

describe("readLabels", () => {
  const shown = [7, 3, 5, 0]; // candidate indices at labels 1..4

  it("maps labels to the items shown at those positions", () => {
    expect(readLabels(["3", "1", "4", "2"], shown)).toEqual({ order: [5, 7, 0, 3], placed: 4, unknown: 0, duplicates: 0, missing: 0 });
  });

  it("accepts labels as strings, bracketed or not", () => {
    expect(readLabels(["[2]", " 4 ", "1", "3"], shown).order).toEqual([3, 0, 7, 5]);
  });

  it("drops unknown and duplicate labels, counts them, and appends what was left out in retrieval order", () => {
    const read = readLabels(["2", "9", "2", "x", "0", "1.5", "3"], shown);
    expect(read).toEqual({ order: [3, 5, 0, 7], placed: 2, unknown: 4, duplicates: 1, missing: 2 });
  });

  it("returns the window in retrieval order when no label is known", () => {
    expect(readLabels([], shown)).toMatchObject({ order: [0, 3, 5, 7], placed: 0 });
  });
});

describe("bordaScores", () => {
  it("gives rank r of n items n - 1 - r points, averaged and scaled to [0, 1]", () => {
    // Item 0: 2 + 0 = 2 points; item 1: 1 + 2 = 3; item 2: 0 + 1 = 1; over 2 rankings x 2 points.
    expect(bordaScores([[0, 1, 2], [1, 2, 0]], 3)).toEqual([0.5, 0.75, 0.25]);
  });

  it("scores a single ranking by its ranks", () => {
    expect(bordaScores([[2, 0, 1]], 3)).toEqual([0.5, 0, 1]);
  });
});

describe("slidingWindows", () => {
  it("is one window when the list fits", () => {
    expect(slidingWindows(20, 20, 10)).toEqual([{ start: 0, end: 20 }]);
  });

  it("moves back to front by the stride (50 candidates: 4 windows of 20)", () => {
    expect(slidingWindows(50, 20, 10).map((w) => w.start)).toEqual([30, 20, 10, 0]);
  });

  it("moves the last window to the head, keeping its size", () => {
    expect(slidingWindows(45, 20, 10)).toEqual([{ start: 25, end: 45 }, { start: 15, end: 35 }, { start: 5, end: 25 }, { start: 0, end: 20 }]);
  });

  it("bubbles the best items to the head: an exact small case", async () => {
    // A "model" that sorts each window by descending index; windows [2,5), [1,4), [0,3).
    const seen: number[][] = [];
    const out = await slide([0, 1, 2, 3, 4], slidingWindows(5, 3, 1), async (items) => {
      seen.push(items);
      return [...items].sort((a, b) => b - a);
    });
    expect(seen).toEqual([[2, 3, 4], [1, 4, 3], [0, 4, 3]]);
    expect(out).toEqual([4, 3, 0, 1, 2]);
  });

  it("ranks the top stride against the whole list", async () => {
    const list = Array.from({ length: 50 }, (_, i) => i);
    const out = await slide(list, slidingWindows(50, 20, 10), async (items) => [...items].sort((a, b) => b - a));
    expect(out.slice(0, 10)).toEqual([49, 48, 47, 46, 45, 44, 43, 42, 41, 40]);
    expect([...out].sort((a, b) => a - b)).toEqual(list);
  });
});

describe("llmWeight", () => {
  const gate = { coldAt: 5, warmAt: 50 };
  it("is 1 for cold users, 0 for warm ones and linear between", () => {
    expect([0, 5, 6, 27.5, 49, 50, 500].map((h) => llmWeight(h, gate))).toEqual([1, 1, 44 / 45, 0.5, 1 / 45, 0, 0]);
  });
  it("is always 1 with no gate", () => {
    expect(llmWeight(1000, null)).toBe(1);
  });
});
