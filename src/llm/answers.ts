import { z } from "zod";

/*
 * The answer shapes the prompts in prompts/ ask for, as zod schemas to pass to LlmClient.generate.
 * Limits are about twice what the prompts ask, so a slightly verbose model passes and a runaway one does not.
 * They check shape only: stages still validate content against what they sent (labels against the
 * candidates, genres against the vocabulary).
 */

const phrase = (max: number) => z.string().trim().min(1).max(max);
const phrases = (maxItems: number, maxChars: number) => z.array(phrase(maxChars)).max(maxItems);

/** rank-listwise: candidate labels, best first. Numbers are accepted and read as labels. */
export const RankListwiseAnswer = z.array(z.union([z.string(), z.number()]).transform(String)).max(200);
export type RankListwiseAnswer = z.infer<typeof RankListwiseAnswer>;

export const AUDIENCES = ["children", "family", "teens", "adults", "general"] as const;

/** item-metadata: one item's structured description. */
export const ItemMetadataAnswer = z.object({
  genres: phrases(6, 60),
  themes: phrases(10, 80),
  mood: phrases(6, 40),
  audience: z.enum(AUDIENCES),
  era: phrase(60),
  /**
   * The release year when the text states it or the model knows the title: where an item without a year is
   * placed. An implausible one is dropped, not the whole answer: the genres still count.
   */
  year: z.number().int().min(1000).max(2200).nullable().catch(null),
  keywords: phrases(16, 60),
  summary: phrase(400),
});
export type ItemMetadataAnswer = z.infer<typeof ItemMetadataAnswer>;

const titlesOrTerms = phrases(20, 200).default([]);
const year = z.number().int().min(1800).max(2200).nullable().default(null);

/** chat-parse: what one message changes in the preference state. Missing fields mean "no change". */
export const ChatParseAnswer = z.object({
  liked_titles: titlesOrTerms,
  disliked_titles: titlesOrTerms,
  want_genres: titlesOrTerms,
  avoid_genres: titlesOrTerms,
  want_tags: titlesOrTerms,
  avoid_tags: titlesOrTerms,
  want_moods: titlesOrTerms,
  avoid_moods: titlesOrTerms,
  drop: titlesOrTerms,
  year_min: year,
  year_max: year,
  count: z.number().int().min(1).max(100).nullable().default(null),
});
export type ChatParseAnswer = z.infer<typeof ChatParseAnswer>;
