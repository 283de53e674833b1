import { describe, expect, it } from "vitest";
import { FIXTURE_ITEMS } from "../../http/api.fixture.ts";
import { attributeSplit, chooseQuestion } from "./question.ts";
import { applyUpdate, emptyState } from "./state.ts";

const comedies = FIXTURE_ITEMS.filter((i) => i.genres.includes("Comedy"));

describe("question choice by entropy", () => {
  it("measures how evenly an attribute splits the candidates", () => {
    // Decades of the twelve films: one from the 70s, four from the 80s, six from the 90s, one from the 2000s.
    const p = [1, 4, 6, 1].map((n) => n / 12);
    expect(attributeSplit(FIXTURE_ITEMS, "decade")).toEqual({ entropy: expect.closeTo(-p.reduce((s, x) => s + x * Math.log2(x), 0), 9), values: ["1990s", "1980s", "1970s", "2000s"] });
    const genre = attributeSplit(FIXTURE_ITEMS, "genre");
    expect(genre.entropy).toBeGreaterThan(2.5);
    // Comedy weighs 2 2/3; Action and Romance tie at 2 1/3 and go by name.
    expect(genre.values.slice(0, 4)).toEqual(["Comedy", "Action", "Romance", "Sci-Fi"]);
  });

  it("asks about the attribute with the highest entropy, offering its most common values", () => {
    expect(chooseQuestion(FIXTURE_ITEMS, emptyState())).toEqual({ attribute: "genre", options: ["Comedy", "Action", "Romance", "Sci-Fi"] });
  });

  it("never asks about an attribute already constrained or already asked, nor offers an avoided genre", () => {
    const wantsComedy = applyUpdate(emptyState(), { want: { genres: ["Comedy"] } });
    expect(chooseQuestion(comedies, wantsComedy)).toEqual({ attribute: "decade", options: ["1990s", "1980s", "2000s"] });
    expect(chooseQuestion(FIXTURE_ITEMS, { ...emptyState(), asked: ["genre"] })?.attribute).toBe("decade");
    expect(chooseQuestion(FIXTURE_ITEMS, applyUpdate(emptyState(), { avoid: { genres: ["Comedy"] } }))?.options).toEqual(["Action", "Romance", "Sci-Fi", "Horror"]);
    expect(chooseQuestion(FIXTURE_ITEMS, { ...wantsComedy, years: { min: 1990 } })).toBeUndefined();
  });

  it("does not ask when the answer would hardly split the candidates", () => {
    const nineties = comedies.filter((i) => i.year! >= 1990 && i.year! < 2000);
    expect(attributeSplit(nineties, "decade").entropy).toBe(0);
    expect(chooseQuestion(nineties, applyUpdate(emptyState(), { want: { genres: ["Comedy"] } }))).toBeUndefined();
  });
});
