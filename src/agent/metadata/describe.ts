import { ItemMetadataAnswer } from "../../llm/answers.ts";
import { renderPrompt } from "../../llm/prompts.ts";
import { truncateTokens } from "../../llm/tokens.ts";
import type { YearEstimate } from "../../models/content-map.ts";
import { type LlmClient, LlmError, type LlmFailure, type LlmUsage, NO_USAGE } from "../../llm/types.ts";

export const METADATA_STAGE = "metadata";
/** Descriptions longer than this are cut before the call; the opening says most of what matters. */
const DESCRIPTION_TOKENS = 600;

export type ItemMetadata = ItemMetadataAnswer;

export interface DescribedItem {
  metadata: ItemMetadata;
  /** Who produced the metadata: the LLM, or the catalog-vocabulary extractor. */
  source: "llm" | "rules";
  /** Why the LLM did not produce it, when it did not. */
  fallback?: LlmFailure;
  /** Genres the LLM proposed that are not in the catalog's vocabulary (dropped). */
  droppedGenres: string[];
  usage: LlmUsage;
  /**
   * When the text states no year: candidate years, weighted, from the catalog items whose text is most like the
   * item's (MetadataExtractor.estimateYears). Onboarding places the item with them; they are not stored as its year.
   */
  estimatedYears?: YearEstimate[];
}

export interface ItemText {
  title: string;
  description?: string;
}

/**
 * Item text -> structured metadata. The LLM reads the title and description as delimited data (the prompt
 * says never to follow instructions inside them) and answers a zod-validated object; genres outside the
 * catalog's vocabulary are dropped, so an item's text can never invent a category. Any LLM failure falls back
 * to `extract` (catalog vocabulary matching), labelled.
 */
export async function describeItem(
  llm: LlmClient,
  item: ItemText,
  vocabulary: readonly string[],
  extract: (item: ItemText) => ItemMetadata,
  signal?: AbortSignal,
): Promise<DescribedItem> {
  const rules = (fallback: LlmFailure, usage: LlmUsage = NO_USAGE): DescribedItem => ({ metadata: extract(item), source: "rules", fallback, droppedGenres: [], usage });
  if (!llm.enabled) return rules("disabled");
  try {
    const prompt = await renderPrompt("item-metadata", {
      title: truncateTokens(item.title, 60),
      description: truncateTokens(item.description ?? "", DESCRIPTION_TOKENS),
      genres: vocabulary.join(", "),
    });
    const result = await llm.generate({ stage: METADATA_STAGE, prompt, schema: ItemMetadataAnswer, signal });
    const byLower = new Map(vocabulary.map((g) => [g.toLowerCase(), g]));
    const genres: string[] = [];
    const droppedGenres: string[] = [];
    for (const g of result.value.genres) {
      const known = byLower.get(g.toLowerCase());
      if (known && !genres.includes(known)) genres.push(known);
      else if (!known) droppedGenres.push(g);
    }
    return { metadata: { ...result.value, genres }, source: "llm", droppedGenres, usage: result.usage };
  } catch (e) {
    if (LlmError.isInstance(e) && e instanceof LlmError) return rules(e.reason, e.usage);
    throw e;
  }
}
