import { z } from "@hono/zod-openapi";
import { itemAttributesSchema } from "../core/attributes.ts";
import { MAX_DEADLINE_MS } from "../llm/config.ts";
import type { LlmUsage } from "../llm/types.ts";

const id = z.string().min(1).max(200);
const genre = z.string().min(1).max(100);

export const ErrorBody = z
  .object({
    error: z.string().openapi({ example: "invalid_input" }),
    message: z.string().openapi({ example: "k: Too big: expected number to be <=100" }),
    details: z.unknown().optional(),
  })
  .openapi("Error");

export const HistoryEntry = z.object({
  item_id: id,
  weight: z.number().positive().max(1e6).optional(),
  ts: z.number().int().nonnegative().optional().openapi({ description: "seconds since the epoch; when every entry has one, the history is ordered by it (else it is read oldest first as listed)" }),
});

export const Filters = z
  .object({
    genres_any: z.array(genre).max(50).optional(),
    genres_none: z.array(genre).max(50).optional(),
    year_min: z.number().int().min(0).max(3000).optional(),
    year_max: z.number().int().min(0).max(3000).optional(),
    exclude_ids: z.array(id).max(1000).optional(),
  })
  .strict()
  .refine((f) => f.year_min === undefined || f.year_max === undefined || f.year_min <= f.year_max, {
    message: "year_min must not exceed year_max",
    path: ["year_min"],
  });

export const RecommendationRequest = z
  .object({
    user_id: id.optional(),
    history: z.array(HistoryEntry).max(1000).optional(),
    k: z.number().int().min(1).max(100).default(10),
    filters: Filters.optional(),
    exclude_seen: z.boolean().default(true),
    diversity: z.number().min(0).max(1).optional().openapi({ description: "MMR trade-off: 0 = relevance only, 1 = diversity only" }),
    rerank: z.enum(["none", "llm"]).default("none").openapi({ description: "llm: listwise LLM re-ranking of the top candidates; falls back to retrieval order, labelled in `ranker`" }),
    rerank_budget_ms: z
      .number()
      .int()
      .min(1)
      .max(MAX_DEADLINE_MS)
      .optional()
      .openapi({ description: "with rerank: llm, milliseconds the re-ranking may take (capped at the configured deadline, RECAGENT_LLM_DEADLINE_MS); past it the answer is in retrieval order with ranker.fallback \"timeout\"" }),
  })
  .strict()
  .openapi("RecommendationRequest");

export const ItemOut = z
  .object({
    id: z.string(),
    title: z.string(),
    year: z.number().int().optional(),
    genres: z.array(z.string()),
    tags: z.array(z.string()),
    text: z.string().optional(),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).optional(),
  })
  .openapi("Item");

export const RecommendedItemOut = z
  .object({
    id: z.string(),
    title: z.string(),
    year: z.number().int().optional(),
    genres: z.array(z.string()),
    score: z.number(),
    reasons: z.array(z.string()),
  })
  .openapi("RecommendedItem");

export const RankerOut = z
  .object({
    name: z.string().openapi({ description: "the ranker that ordered the items" }),
    fallback: z.string().optional().openapi({ description: "why the ranker asked for did not serve (e.g. disabled, timeout, gated)" }),
    partial: z.object({ failed_calls: z.number().int(), calls: z.number().int() }).optional(),
  })
  .openapi("Ranker");

export const UsageOut = z
  .object({ calls: z.number().int(), cached_calls: z.number().int(), prompt_tokens: z.number().int(), completion_tokens: z.number().int(), latency_ms: z.number() })
  .openapi("LlmUsage");

export function usageOut(u: LlmUsage): z.infer<typeof UsageOut> {
  return { calls: u.calls, cached_calls: u.cachedCalls, prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, latency_ms: Math.round(u.latencyMs) };
}

export const RecommendationResponse = z
  .object({
    items: z.array(RecommendedItemOut),
    model: z.string(),
    strategy: z.enum(["personalized", "fold-in", "popular"]),
    ranker: RankerOut,
    usage: UsageOut,
    took_ms: z.number(),
  })
  .openapi("RecommendationResponse");

export const OnboardedItemOut = ItemOut.extend({
  metadata: z
    .object({
      source: z.enum(["llm", "rules"]).openapi({ description: "who derived genres and keywords from the item's text" }),
      fallback: z.string().optional().openapi({ description: "why the LLM did not (e.g. disabled, timeout, malformed)" }),
      dropped_genres: z.array(z.string()).openapi({ description: "genres the LLM proposed outside the catalog's vocabulary" }),
      usage: UsageOut,
    })
    .optional(),
}).openapi("OnboardedItem");

export const ScoredItemsResponse = z.object({ items: z.array(ItemOut.extend({ score: z.number() })) }).openapi("ScoredItems");

export const ItemInput = z
  .object({
    id: id.optional(),
    title: z.string().trim().min(1).max(500),
    description: z.string().max(20_000).optional(),
    genres: z.array(genre).max(50).optional(),
    tags: z.array(z.string().min(1).max(100)).max(200).optional(),
    year: z.number().int().min(1800).max(3000).optional(),
    attributes: itemAttributesSchema.optional().openapi({
      description: 'free-form facts, name -> string | number | boolean | list of strings (e.g. {"director": "Pete Docter", "runtime": 96}); they become content features of the item\'s vector',
      type: "object",
      additionalProperties: { oneOf: [{ type: "string" }, { type: "number" }, { type: "boolean" }, { type: "array", items: { type: "string" } }] },
    }),
  })
  .strict()
  .openapi("ItemInput");

export const FeedbackRequest = z
  .object({
    user_id: id,
    item_id: id,
    weight: z.number().positive().max(1e6).default(1),
    ts: z.number().int().nonnegative().optional(),
  })
  .strict()
  .openapi("Feedback");

export const HealthResponse = z
  .object({
    status: z.literal("ok"),
    model: z.string(),
    version: z.string().optional().openapi({ description: "The published model version served (replicas on a store: recagent serve --store); absent for a local build" }),
    scorer: z.enum(["index", "dense"]).openapi({ description: "index: the model's user vector queried against the vector index; dense: the model scores the whole catalog (EASE, item-kNN, blends)" }),
    items: z.number().int(),
    index: z.string(),
    llm: z.string().openapi({ description: "\"off\" or the re-ranking model" }),
  })
  .openapi("Health");

export const IdParam = z.object({ id: id.openapi({ param: { name: "id", in: "path" } }) });
export const KQuery = z.object({ k: z.coerce.number().int().min(1).max(100).default(10) });
export const SearchQuery = KQuery.extend({ q: z.string().trim().min(1).max(200) });
