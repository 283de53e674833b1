import { z } from "zod";
import { AUDIENCES, ItemMetadataAnswer } from "../../llm/answers.ts";

/**
 * Item metadata, whoever produced it (the LLM or the extractor): genres, themes, mood, audience, era,
 * keywords, summary. One shape, defined once: the LLM answer's schema (src/llm/answers.ts), which the
 * metadata stage validates model output against.
 */
export const ItemMetadataShape = ItemMetadataAnswer;
export type ItemMetadata = z.infer<typeof ItemMetadataShape>;
export { AUDIENCES };
export type Audience = (typeof AUDIENCES)[number];

/** What "era" says when the text gives no period (as the item-metadata prompt asks). */
export const UNKNOWN_ERA = "unknown";

/**
 * The shape with genres restricted to one catalog's vocabulary, spelled as the catalog spells them: what an
 * item's metadata must satisfy before it reaches the content map.
 */
export function itemMetadataSchema(vocabulary: readonly string[]) {
  const known = ItemMetadataShape.shape.genres.refine((genres) => genres.every((g) => vocabulary.includes(g)), {
    message: `genres must be among the catalog's: ${vocabulary.join(", ")}`,
  });
  return ItemMetadataShape.extend({ genres: known });
}
