import { z } from "zod";
import type { LlmClient } from "../llm/types.ts";
import { DEFAULT_GATE } from "./history-gate.ts";
import { llmListwiseRanker } from "./llm-listwise.ts";
import { mmrRanker } from "./mmr.ts";
import { popularityBlendRanker } from "./popularity-blend.ts";
import { retrievalRanker } from "./score.ts";
import type { Ranker } from "./types.ts";

const positiveInt = z.number().int().positive();

/** A ranker and its parameters, as configuration and eval suite files name them. */
export const RankerSpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("retrieval") }).strict(),
  /** MMR trade-off: 0 ranks by relevance alone, 1 by novelty against the items already picked. */
  z.object({ kind: z.literal("mmr"), diversity: z.number().min(0).max(1) }).strict(),
  z.object({ kind: z.literal("popularity-blend"), weight: z.number().min(0).max(1) }).strict(),
  z
    .object({
      kind: z.literal("llm-listwise"),
      orderings: positiveInt.max(10).default(1),
      window: positiveInt.min(2).default(20),
      stride: positiveInt.default(10),
      seed: z.number().int().optional(),
      /** null: the LLM's order alone, whatever the history length. */
      gate: z.object({ coldAt: z.number().min(0), warmAt: z.number().min(0) }).strict().nullable().default(DEFAULT_GATE),
      maxHistory: positiveInt.optional(),
      maxTitleChars: positiveInt.min(8).optional(),
    })
    .strict()
    .refine((s) => s.stride <= s.window, { message: "stride must not exceed window", path: ["stride"] }),
]);
export type RankerSpec = z.infer<typeof RankerSpec>;

/** The ranker a spec names; `llm` serves the LLM rankers (a disabled client makes them fall back, labelled). */
export function createRanker(spec: RankerSpec, llm: LlmClient): Ranker {
  switch (spec.kind) {
    case "retrieval":
      return retrievalRanker;
    case "mmr":
      return mmrRanker(spec.diversity);
    case "popularity-blend":
      return popularityBlendRanker(spec.weight);
    case "llm-listwise": {
      const { kind: _, ...options } = spec;
      return llmListwiseRanker(llm, options);
    }
  }
}
