import { describe, expect, it } from "vitest";
import { normWords, smallNumber, words } from "./words.ts";

describe("chat words", () => {
  it("normalizes case, accents and apostrophes, and keeps clause boundaries", () => {
    expect(words("Don't like 'Amélie', OK?").map((w) => w.norm)).toEqual(["dont", "like", "amelie", ",", "ok", "?"]);
    expect(normWords("the '90s, Sci-Fi")).toEqual(["the", "90s", "sci", "fi"]);
  });

  it("ends a sentence at a period, but not inside E.T or 3.5, nor after an initial or Mr.", () => {
    const stops = (text: string) => words(text).filter((w) => w.stop).map((w) => w.start);
    expect(stops("Loved it. Next")).toEqual([8]);
    expect(stops("E.T 3.5 M. Butterfly and Mr. Smith")).toEqual([]);
  });

  it("reads small numbers in digits or words, and nothing else", () => {
    expect([smallNumber("5"), smallNumber("twelve"), smallNumber("zero"), smallNumber("1995"), smallNumber("five5")]).toEqual([5, 12, undefined, undefined, undefined]);
  });
});
