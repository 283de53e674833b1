import type { AttributeValue, Item } from "../core/types.ts";

/**
 * What is known about an item's content when it is onboarded: a title and maybe a year, genres, a description
 * (`text`) and attributes. Tags are left out on purpose: most trained items have none, so a tag weight learnt from
 * the few that do misplaces the rest.
 */
export type ItemContent = Pick<Item, "title"> & Partial<Pick<Item, "year" | "genres" | "text" | "attributes">>;

/**
 * What an item onboarded from its text alone is known by: its title, description and attributes, not genres or a
 * year (ContentMap's text view is fitted on this view of the catalog, and places such items).
 */
export function textView(item: ItemContent): ItemContent {
  return { title: item.title, text: item.text, attributes: item.attributes };
}

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
 * carries popularity), genre pairs (a "Comedy|Romance" is not the sum of a comedy and a romance), the
 * description's words (textFeatures), the attributes (attributeFeatures), the year on 2-, 3- and 5-year triangular bins (a year between two knots
 * weighs on both, so neighbouring years share weight and an unseen year still lands near seen ones). Chosen on
 * validation items carved out of the warm catalog (recagent eval-cold --validate); bins finer than the decade
 * gained the most.
 */
export function mapFeatures(item: ItemContent): WeightedKey[] {
  const out: WeightedKey[] = [["bias", 1], ...referenceKeys(item).map((k): WeightedKey => [k, 1])];
  const genres = genresOf(item);
  for (let a = 0; a < genres.length; a++) for (let b = a + 1; b < genres.length; b++) out.push([`genres=${genres[a]}|${genres[b]}`, 1]);
  out.push(...textFeatures(item.text));
  out.push(...attributeFeatures(item.attributes));
  // An unknown year adds nothing, so the bias speaks for it. A "year unknown" key would learn from the catalog's
  // few yearless items, obscure ones, and mark every new item known by its text alone as obscure too.
  if (item.year !== undefined) {
    for (const width of YEAR_WIDTHS) {
      const knot = Math.floor(item.year / width);
      const right = (item.year - knot * width) / width;
      out.push([`year/${width}=${knot}`, 1 - right]);
      if (right > 0) out.push([`year/${width}=${knot + 1}`, right]);
    }
  }
  return out;
}

/**
 * Buckets description words are hashed into: the vocabulary of free text is open (plot summaries bring tens of
 * thousands of words), so a description costs at most this many features whatever the catalog.
 */
const TEXT_BUCKETS = 1 << 14;

/** Words that say nothing about an item's kind. */
const STOP_WORDS = new Set(
  ("a about above after again against all also am an and any are as at be because been before being below between both but by can could did do does " +
    "doing down during each few for from further had has have having he her here hers herself him himself his how however i if in into is it its itself " +
    "just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that the " +
    "their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom " +
    "why will with would you your yours yourself yourselves film films movie movies story")
    .split(" "),
);

/**
 * The L2 norm of a description's features, whatever its length. Chosen on validation (recagent eval-cold --validate
 * random --items artifacts/dev-items.jsonl): P2 recall@20 with --cold-content text / all, 1 .209/.317, 2 .246/.354,
 * 3 .240/.360, 4 .242/.356 (metadata .274 at 1, .277 at 2). Scaling a group of features up lowers the ridge's
 * penalty on it, so the words are shrunk less than the bias, genres and years.
 */
const TEXT_WEIGHT = 2;

/**
 * The description as features: its content words (contentWords) hashed into TEXT_BUCKETS, each bucket weighing
 * its sublinear term frequency, 1 + ln(count), scaled so the description's features have L2 norm TEXT_WEIGHT
 * whatever its length: a plot summary of hundreds of words cannot drown the genres and the year, and each of its
 * words weighs little, a word the summary repeats (its hero's name) a little more. The ridge learns what each word
 * says from the trained items whose descriptions use it; a word on fewer than two catalog items is dropped with
 * the vocabulary. Weighting words by idf instead lost on validation, with tags and with plot overviews for text:
 * it lowers the ridge's penalty on rare words, which then fit the few items that use them.
 */
export function textFeatures(text: string | undefined): WeightedKey[] {
  if (!text) return [];
  const counts = new Map<number, number>();
  for (const w of contentWords(text)) {
    const bucket = fnv1a(w) % TEXT_BUCKETS;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  const weights = [...counts].sort((a, b) => a[0] - b[0]).map(([bucket, n]): [number, number] => [bucket, 1 + Math.log(n)]);
  const norm = Math.sqrt(weights.reduce((sum, [, w]) => sum + w * w, 0));
  return weights.map(([bucket, w]): WeightedKey => [`text#${bucket}`, (TEXT_WEIGHT * w) / norm]);
}

/**
 * The words of a free text that can say what an item is: accents folded, lower case, letter/digit runs of 3+
 * characters (apostrophes joined: "mother's" -> "mothers"), stop words and bare numbers dropped, plurals reduced
 * to the singular (sStem), so "soldiers" in one summary meets "soldier" in another. In text order, repeats kept.
 */
export function contentWords(text: string): string[] {
  const out: string[] = [];
  const folded = text.normalize("NFKD").replace(/\p{M}/gu, "").replace(/['’]/g, "").toLowerCase();
  for (const w of folded.match(/[a-z0-9]+/g) ?? []) {
    if (w.length < 3 || STOP_WORDS.has(w) || /^\d+$/.test(w)) continue;
    out.push(sStem(w));
  }
  return out;
}

/**
 * Harman's S-stemmer (1991): "-ies" -> "-y", "-es" -> "-e" and "-s" -> "" with the usual exceptions ("-aies",
 * "-eies", "-aes", "-ees", "-oes", "-us", "-ss" stay). Light on purpose: it merges plurals and little else, so it
 * never joins two words of different meaning the way a full stemmer's "universe"/"university" does.
 */
export function sStem(word: string): string {
  if (word.endsWith("ies") && !word.endsWith("eies") && !word.endsWith("aies")) return `${word.slice(0, -3)}y`;
  if (word.endsWith("es") && !word.endsWith("aes") && !word.endsWith("ees") && !word.endsWith("oes")) return word.slice(0, -1);
  if (word.endsWith("s") && !word.endsWith("us") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

/**
 * The attributes as features, `attr:name=value` (values trimmed and lower-cased, so "Pete Docter" and "pete docter"
 * meet): a text or a flag is one key of weight 1; a list one key per distinct element, each 1 / sqrt(count), so a
 * cast of forty weighs as much as a cast of four; a number lands on log2-scale bins, `attr:name~b` with
 * b = sign(x) log2(1 + |x|), split between the two nearest whole b as the years are (a runtime of 96 and one of
 * 100 share most of their weight; 90 and 180 minutes share none). Like every key, one seen on fewer than two
 * catalog items is dropped with the vocabulary.
 */
export function attributeFeatures(attributes: Readonly<Record<string, AttributeValue>> | undefined): WeightedKey[] {
  const out: WeightedKey[] = [];
  for (const [name, value] of Object.entries(attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (typeof value === "number") {
      const scaled = Math.sign(value) * Math.log2(1 + Math.abs(value));
      const knot = Math.floor(scaled);
      const right = scaled - knot;
      out.push([`attr:${name}~${knot}`, 1 - right]);
      if (right > 0) out.push([`attr:${name}~${knot + 1}`, right]);
    } else if (Array.isArray(value)) {
      const distinct = [...new Set(value.map(attributeText).filter(Boolean))];
      for (const v of distinct) out.push([`attr:${name}=${v}`, 1 / Math.sqrt(distinct.length)]);
    } else {
      const v = attributeText(String(value));
      if (v) out.push([`attr:${name}=${v}`, 1]);
    }
  }
  return out;
}

const attributeText = (value: string) => value.trim().replace(/\s+/g, " ").toLowerCase();

/** 32-bit FNV-1a of a string's UTF-16 code units: stable across runtimes, so a saved map hashes words as it was fitted. */
function fnv1a(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
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
