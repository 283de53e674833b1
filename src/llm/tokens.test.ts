import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countPromptTokens, countTokens, fitToBudget, promptFits, truncateTokens } from "./tokens.ts";
import { LlmError, type RenderedPrompt } from "./types.ts";

const asPrompt = (content: string): RenderedPrompt => ({ id: "p", version: "1", messages: [{ role: "user", content }] });

describe("token counting", () => {
  it("counts cl100k tokens, plus the chat framing for prompts", () => {
    expect(countTokens("")).toBe(0);
    expect(countTokens("hello world")).toBe(2);
    expect(countPromptTokens(asPrompt("hello world"))).toBe(2 + 3 + 3);
  });

  it("agrees with the exact count whether or not the byte shortcut applies", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), fc.integer({ min: 6, max: 60 }), (text, budget) => {
        expect(promptFits(asPrompt(text), budget)).toBe(countPromptTokens(asPrompt(text)) <= budget);
      }),
      { numRuns: 200 },
    );
  });
});

describe("truncateTokens", () => {
  it("leaves short text alone and cuts long text to the limit, ellipsis included", () => {
    expect(truncateTokens("The Matrix", 10)).toBe("The Matrix");
    const title = "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb";
    const cut = truncateTokens(title, 6);
    expect(cut.endsWith("…")).toBe(true);
    expect(countTokens(cut)).toBeLessThanOrEqual(6);
    expect(title.startsWith(cut.slice(0, -1))).toBe(true);
  });

  it("never exceeds the limit nor leaves a broken character", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), fc.integer({ min: 2, max: 20 }), (text, max) => {
        const cut = truncateTokens(text, max);
        expect(countTokens(cut)).toBeLessThanOrEqual(Math.max(max, countTokens("…")));
        expect(cut).not.toContain("\uFFFD");
      }),
      { numRuns: 200 },
    );
  });
});

describe("fitToBudget", () => {
  const history = Array.from({ length: 50 }, (_, i) => `- Movie number ${i} (19${String(i).padStart(2, "0")}) | Drama, Comedy`);
  const render = async (kept: readonly string[]) => asPrompt(`History, most recent first:\n${kept.join("\n")}`);

  it("keeps everything when it fits", async () => {
    expect((await fitToBudget(history, 10_000, render)).kept).toBe(50);
  });

  it("keeps the longest prefix (most recent entries) that fits the budget", async () => {
    const { prompt, kept } = await fitToBudget(history, 200, render);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(50);
    expect(countPromptTokens(prompt)).toBeLessThanOrEqual(200);
    expect(countPromptTokens(await render(history.slice(0, kept + 1)))).toBeGreaterThan(200);
    expect(prompt.messages[0].content).toContain(history[0]);
    expect(prompt.messages[0].content).not.toContain(history[kept]);
  });

  it("fails with budget when even the minimum does not fit", async () => {
    const error = await fitToBudget(history, 30, render, { minEntries: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).reason).toBe("budget");
    expect((error as LlmError).message).toMatch(/Prompt p v1 needs \d+ tokens with 3 entries; the budget is 30/);
  });
});
