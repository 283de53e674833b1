import type { ItemContentInput } from "./recommender.ts";
import { contentWords, mapFeatures, type WeightedKey } from "./content-features.ts";
import type { Bags } from "./neural/embedding.ts";

/** What the item tower reads of an item: a title, and whatever of year, genres, tags, description and attributes it has. */
export type TowerContent = ItemContentInput;

export interface HashedVocabularyOptions {
  /** 2^bits hash buckets, each a row of the feature table. */
  bits: number;
  /** Read the item's tags (`tag=` keys). */
  tags: boolean;
  /** Read the words of the item's description (`text=` keys). */
  text: boolean;
}

/** Keys whose count varies from item to item: their weights are scaled by 1/sqrt(count), so a long title or a long tag list does not drown the rest. */
const BAG_GROUPS = new Set(["word", "genre", "genres", "tag", "text"]);

/** At most this many distinct description words per item (in order of appearance). */
const MAX_TEXT_WORDS = 200;

/**
 * The item tower's content keys: the content map's features (bias, genres, genre pairs, decade, year bins,
 * title words, attributes: mapFeatures) plus tags and description words when present, with bag-like groups scaled by
 * 1/sqrt(count).
 */
export function towerKeys(item: TowerContent, o: Pick<HashedVocabularyOptions, "tags" | "text">): WeightedKey[] {
  const keys: WeightedKey[] = [...mapFeatures(item)];
  if (o.tags) for (const t of new Set((item.tags ?? []).map((x) => x.toLowerCase().trim()).filter(Boolean))) keys.push([`tag=${t}`, 1]);
  if (o.text && item.text) {
    for (const w of [...new Set(contentWords(item.text))].slice(0, MAX_TEXT_WORDS)) keys.push([`text=${w}`, 1]);
  }
  const counts = new Map<string, number>();
  const groupOf = (key: string) => key.slice(0, key.search(/[=/]|$/));
  for (const [key] of keys) counts.set(groupOf(key), (counts.get(groupOf(key)) ?? 0) + 1);
  return keys.map(([key, w]): WeightedKey => {
    const g = groupOf(key);
    return BAG_GROUPS.has(g) ? [key, w / Math.sqrt(counts.get(g)!)] : [key, w];
  });
}

/** FNV-1a (32-bit) of the key's UTF-16 code units, folded to `bits` bits: the same bucket on every runtime. */
export function hashBucket(key: string, bits: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & ((1 << bits) - 1);
}

/** The content bags of `items` (an absent item gets an empty bag): bucket ids and weights, CSR-shaped. */
export function contentBags(items: readonly (TowerContent | undefined)[], o: HashedVocabularyOptions): Bags {
  const offsets = new Int32Array(items.length + 1);
  const ids: number[] = [];
  const weights: number[] = [];
  items.forEach((item, r) => {
    if (item) {
      for (const [key, w] of towerKeys(item, o)) {
        if (w === 0) continue;
        ids.push(hashBucket(key, o.bits));
        weights.push(w);
      }
    }
    offsets[r + 1] = ids.length;
  });
  return { offsets, ids: Int32Array.from(ids), weights: Float32Array.from(weights) };
}
