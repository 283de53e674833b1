import type { Item } from "../../core/types.ts";
import type { Attribute, PreferenceState, Question } from "./state.ts";

/** Below this many bits an attribute hardly splits the candidates: asking about it would waste a turn. */
const MIN_ENTROPY_BITS = 1;
const MAX_OPTIONS = 4;

/** The values of one attribute of an item; an item with several genres spreads its weight over them. */
const VALUES: Record<Attribute, (item: Item) => string[]> = {
  genre: (item) => item.genres,
  decade: (item) => (item.year === undefined ? [] : [decadeLabel(item.year)]),
};

export const decadeLabel = (year: number) => `${Math.floor(year / 10) * 10}s`;

/** Shannon entropy in bits of an attribute over the candidates, and its values by weight, heaviest first. */
export function attributeSplit(candidates: readonly Item[], attribute: Attribute): { entropy: number; values: string[] } {
  const weights = new Map<string, number>();
  let total = 0;
  for (const item of candidates) {
    const values = VALUES[attribute](item);
    for (const v of values) weights.set(v, (weights.get(v) ?? 0) + 1 / values.length);
    if (values.length) total += 1;
  }
  let entropy = 0;
  for (const w of weights.values()) entropy -= (w / total) * Math.log2(w / total);
  // Weights are sums of fractions: equal counts may differ in the last bit, and must still tie (then by name).
  const values = [...weights.entries()].sort((a, b) => (Math.abs(b[1] - a[1]) > 1e-9 ? b[1] - a[1] : a[0] < b[0] ? -1 : 1)).map(([v]) => v);
  return { entropy, values };
}

/**
 * The question that best splits the current candidates: of the attributes neither constrained nor asked
 * yet, the one with the highest entropy over them, offering its most common values. Undefined when no
 * attribute reaches MIN_ENTROPY_BITS.
 */
export function chooseQuestion(candidates: readonly Item[], state: PreferenceState): Question | undefined {
  const open: Attribute[] = [];
  if (state.want.genres.length === 0 && !state.asked.includes("genre")) open.push("genre");
  if (state.years.min === undefined && state.years.max === undefined && !state.asked.includes("decade")) open.push("decade");
  let best: { attribute: Attribute; entropy: number; values: string[] } | undefined;
  for (const attribute of open) {
    const split = attributeSplit(candidates, attribute);
    const values = split.values.filter((v) => !state.avoid.genres.includes(v));
    if (split.entropy >= MIN_ENTROPY_BITS && values.length >= 2 && (!best || split.entropy > best.entropy)) best = { attribute, ...split, values };
  }
  return best && { attribute: best.attribute, options: best.values.slice(0, MAX_OPTIONS) };
}
