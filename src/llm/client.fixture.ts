import { expect } from "vitest";
import { z } from "zod";
import { LlmError, type LlmFailure, type RenderedPrompt } from "./types.ts";

/** What both LlmClient suites (OpenAI-compatible, Workers AI) ask for and expect back. */
export const prompt: RenderedPrompt = {
  id: "test-prompt",
  version: "1",
  messages: [
    { role: "system", content: "Answer with JSON." },
    { role: "user", content: "Describe the item." },
  ],
};
export const Item = z.object({ genres: z.array(z.string()), summary: z.string() });
export const item = { genres: ["Drama"], summary: "A quiet film." };

/** The LlmError a call failed with (an assertion fails when it resolved or threw something else). */
async function failure(p: Promise<unknown>): Promise<LlmError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

export async function expectFailure(p: Promise<unknown>, reason: LlmFailure): Promise<LlmError> {
  const error = await failure(p);
  expect(error.reason).toBe(reason);
  return error;
}
