/** One observed interaction, with the original (string) ids of the data set. */
export interface InteractionRow {
  user: string;
  item: string;
  /** Rating, play count or 1; how it becomes a matrix value is the caller's choice (see ValueTransform). */
  value: number;
  /** Seconds since the epoch, or any order key. */
  timestamp: number;
}

/** A catalog entry. Only `id` and `title` are always present. */
export interface Item {
  id: string;
  title: string;
  year?: number;
  genres: string[];
  tags: string[];
  text?: string;
  /** Free-form facts about the item (director, language, runtime, cast...); validated by itemAttributesSchema. */
  attributes?: ItemAttributes;
}

/** One attribute's value: a text, a number, a flag or a list of texts. */
export type AttributeValue = string | number | boolean | string[];
export type ItemAttributes = Record<string, AttributeValue>;

/** A dense item index with a weight: what fold-in and scoring take as a history. */
export interface ItemWeight {
  item: number;
  weight: number;
  /**
   * How much the event still counts, in (0, 1] (1 when absent): recency weighting. Linear models multiply it
   * into the weight; ALS multiplies the event's confidence by it (a weighted least-squares term).
   */
  recency?: number;
}

/** The weight a linear scorer gives the event: its value times its recency factor. */
export function effectiveWeight(h: ItemWeight): number {
  return h.recency === undefined ? h.weight : h.weight * h.recency;
}

/** Top-k lists for several users at once: row j of `ids`/`scores` is k entries for the j-th user (-1 pads). */
export interface TopK {
  k: number;
  ids: Int32Array;
  scores: Float32Array;
}
