import type { Item } from "../core/types.ts";

/**
 * What is known about an item's content when it is onboarded: a title and maybe a year and genres. Tags and
 * descriptions are left out on purpose: protocol P2 measures onboarding from exactly this, most trained items
 * have no tags (so a tag weight learnt from the few that do misplaces the rest), and raw description words
 * made every peer model worse. A description reaches the map through the metadata step (its genres and year).
 */
export type ItemContent = Pick<Item, "title"> & Partial<Pick<Item, "year" | "genres">>;

/** One feature of an item: its key and weight. */
export type WeightedKey = readonly [key: string, weight: number];

/** Widths in years of the triangular year encodings; several, so no single bin boundary decides. */
const YEAR_WIDTHS = [2, 3, 5];

/**
 * The keys the peer baselines use (genres, decade, title words), exactly as ../shared/anchors/reference_p2.py
 * spells them, so the genre-affinity baseline reproduces the reference's figures.
 */
export function referenceKeys(item: ItemContent): string[] {
  const keys = genresOf(item).map((g) => `genre=${g}`);
  if (item.year !== undefined) keys.push(`decade=${Math.floor(item.year / 10) * 10}`);
  for (const w of new Set(titleWords(item.title))) keys.push(`word=${w}`);
  return keys;
}

/**
 * The content map's features: the reference keys plus a bias (the content-free part of the target, which
 * carries popularity), genre pairs (a "Comedy|Romance" is not the sum of a comedy and a romance), the year on
 * 2-, 3- and 5-year triangular bins (a year between two knots weighs on both, so neighbouring years share
 * weight and an unseen year still lands near seen ones), and "year unknown". Chosen on validation items
 * carved out of the warm catalog (recagent eval-cold --validate); bins finer than the decade gained the most.
 */
export function mapFeatures(item: ItemContent): WeightedKey[] {
  const out: WeightedKey[] = [["bias", 1], ...referenceKeys(item).map((k): WeightedKey => [k, 1])];
  const genres = genresOf(item);
  for (let a = 0; a < genres.length; a++) for (let b = a + 1; b < genres.length; b++) out.push([`genres=${genres[a]}|${genres[b]}`, 1]);
  if (item.year === undefined) out.push(["year=unknown", 1]);
  else {
    for (const width of YEAR_WIDTHS) {
      const knot = Math.floor(item.year / width);
      const right = (item.year - knot * width) / width;
      out.push([`year/${width}=${knot}`, 1 - right]);
      if (right > 0) out.push([`year/${width}=${knot + 1}`, right]);
    }
  }
  return out;
}

/** Distinct genres, sorted, so pairs have one spelling. */
function genresOf(item: ItemContent): string[] {
  return [...new Set(item.genres ?? [])].sort();
}

/**
 * Lowercase ASCII letter/digit runs, as the reference tokenises ("Amélie" -> "am", "lie"). Folding accents
 * instead moved the genre-affinity baseline by 1e-3 away from the reference and the map not at all.
 */
function titleWords(title: string): string[] {
  return title.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** A sparse feature vector: weights at feature indices. */
export interface SparseFeatures {
  indices: number[];
  values: number[];
}

/**
 * mapFeatures as vectors over a vocabulary frozen from the catalog: the keys found on at least two catalog
 * items (a key seen once has no second item to generalise to). Keys outside the vocabulary are dropped, so
 * the same item always maps to the same vector.
 */
export class ContentFeaturizer {
  private readonly indexOf: Map<string, number>;

  constructor(readonly vocabulary: readonly string[]) {
    this.indexOf = new Map(vocabulary.map((key, i) => [key, i]));
  }

  get dimension(): number {
    return this.vocabulary.length;
  }

  static fromCatalog(items: Iterable<ItemContent>, minItems = 2): ContentFeaturizer {
    const counts = new Map<string, number>();
    for (const item of items) for (const [key] of mapFeatures(item)) counts.set(key, (counts.get(key) ?? 0) + 1);
    return new ContentFeaturizer([...counts].filter(([, n]) => n >= minItems).map(([key]) => key).sort());
  }

  featurize(item: ItemContent): SparseFeatures {
    const out: SparseFeatures = { indices: [], values: [] };
    for (const [key, weight] of mapFeatures(item)) {
      const at = this.indexOf.get(key);
      if (at === undefined || weight === 0) continue;
      out.indices.push(at);
      out.values.push(weight);
    }
    return out;
  }
}
