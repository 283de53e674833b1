import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ChatParseAnswer, ItemMetadataAnswer, RankListwiseAnswer } from "./answers.ts";
import { jsonCandidates, parseAnswer, responseFormatFor } from "./structured-output.ts";

const Labels = z.array(z.string());

describe("parseAnswer", () => {
  it.each([
    ["bare JSON", '["2", "1"]'],
    ["a json code fence", 'Here you go:\n```json\n["2", "1"]\n```'],
    ["a bare code fence", '```\n["2", "1"]\n```'],
    ["prose around it", 'My ranking is ["2", "1"] because of the history.'],
    ["a <think> block first", '<think>Maybe ["9"]? No.</think>\n["2", "1"]'],
    ["an {answer} wrapper", '{"answer": ["2", "1"]}'],
  ])("finds the answer in %s", (_, text) => {
    expect(parseAnswer(text, Labels)).toEqual({ ok: true, value: ["2", "1"] });
  });

  it("takes the first candidate that validates, skipping brackets that are not the answer", () => {
    const text = 'Items [1] and [2] compared. {"genres": ["Drama"], "note": "a } inside a string"}';
    const Schema = z.object({ genres: z.array(z.string()), note: z.string() });
    expect(parseAnswer(text, Schema)).toEqual({ ok: true, value: { genres: ["Drama"], note: "a } inside a string" } });
  });

  it("explains what is wrong", () => {
    expect(parseAnswer("no json here", Labels)).toEqual({ ok: false, problem: "no JSON object or array found in the answer" });
    expect(parseAnswer('{"genres": ["Drama"', z.object({ genres: z.array(z.string()) }))).toMatchObject({ ok: false });
    const wrongType = parseAnswer('{"genres": "Drama"}', z.object({ genres: z.array(z.string()) }));
    expect(wrongType.ok === false && wrongType.problem).toMatch(/at genres/);
  });

  it("finds any JSON value embedded in arbitrary prose", () => {
    const json = fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v === "object" && v !== null);
    fc.assert(
      fc.property(fc.string().map((s) => s.replace(/[[\]{}"]/g, "")), json, fc.string().map((s) => s.replace(/[[\]{}"]/g, "")), (before, value, after) => {
        const found = [...jsonCandidates(`${before}${JSON.stringify(value)}${after}`)];
        expect(found).toContainEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("responseFormatFor", () => {
  it("sends the JSON schema of an object, wraps other roots, and asks nothing without a schema", () => {
    const object = responseFormatFor(ItemMetadataAnswer, "json_schema", "item-metadata");
    expect(object).toMatchObject({ type: "json_schema", json_schema: { name: "item-metadata", strict: false, schema: { type: "object" } } });
    expect(JSON.stringify(object)).not.toContain("$schema");
    const array = responseFormatFor(RankListwiseAnswer, "json_schema", "rank listwise");
    expect(array).toMatchObject({ json_schema: { name: "rank_listwise", schema: { properties: { answer: { type: "array" } }, required: ["answer"] } } });
    expect(responseFormatFor(undefined, "json_schema", "x")).toBeUndefined();
  });

  it("uses json_object only for object roots, and nothing in text mode", () => {
    expect(responseFormatFor(ChatParseAnswer, "json_object", "chat-parse")).toEqual({ type: "json_object" });
    expect(responseFormatFor(RankListwiseAnswer, "json_object", "rank-listwise")).toBeUndefined();
    expect(responseFormatFor(ChatParseAnswer, "text", "chat-parse")).toBeUndefined();
  });
});

describe("answer schemas", () => {
  it("accept what the prompts' examples show", () => {
    expect(RankListwiseAnswer.parse(["3", 1])).toEqual(["3", "1"]);
    expect(ChatParseAnswer.parse({ liked_titles: ["Clueless"], year_min: 1990 })).toMatchObject({ liked_titles: ["Clueless"], avoid_genres: [], year_min: 1990, count: null });
    expect(() => ItemMetadataAnswer.parse({ genres: [], themes: [], mood: [], audience: "everyone", era: "x", keywords: [], summary: "s" })).toThrow();
  });
});
