/**
 * Protocol P2, cold-start items (../shared/anchors/PROTOCOL.md): can an item nobody has interacted with be
 * placed well from its content alone? Train on the P1 train rows of the warm items; for every user who has
 * train rows, the relevant items are the cold items they rated at any time; rank the cold items only.
 */
import { InputError } from "../core/errors.ts";
import type { InteractionRow } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import { hitRate, ndcg, recall } from "./metrics.ts";

export type ColdRule = "newest" | "random";

/** The list length P2 scores. */
export const COLD_K = 20;

export interface ColdData {
  /** The train rows of warm items, as a model sees them (binary values). */
  train: Interactions;
  /** The cold item ids in ranking order: ascending numerically (by length, then as strings), the tie rule. */
  cold: readonly string[];
  /** Dense train indices of the users with at least one relevant cold item, ascending. */
  testUsers: Int32Array;
  /** relevant[j]: positions in `cold` of the items testUsers[j] rated. */
  relevant: Array<Set<number>>;
}

/**
 * The cold items of a set of ratings: 10% (rounded down) of the rated items, either those whose first rating
 * is newest (ties by id as a string) or, for "random", those with the largest crc32 of the id. Used on all
 * ratings it reproduces the shipped cold_*.txt lists; used on train rows it carves a validation set of
 * pseudo-cold items that never looks at the real cold items' ratings.
 * `fold` k > 0 draws another random set: the largest crc32 of "k:" + id (fold 0 is the id's own crc32).
 */
export function pickColdItems(rows: readonly InteractionRow[], rule: ColdRule, fraction = 0.1, fold = 0): string[] {
  if (fold !== 0 && rule !== "random") throw new InputError(`only the random rule has folds; "${rule}" has one set`);
  const first = new Map<string, number>();
  for (const { item, timestamp } of rows) {
    const seen = first.get(item);
    if (seen === undefined || timestamp < seen) first.set(item, timestamp);
  }
  const key = rule === "newest" ? (id: string) => first.get(id)! : fold === 0 ? crc32 : (id: string) => crc32(`${fold}:${id}`);
  const order = [...first.keys()].sort((a, b) => key(a) - key(b) || compareStrings(a, b));
  return order.slice(order.length - Math.floor(order.length * fraction));
}

/** Assembles P2: `ratings` are every rating known (the source of relevance), `trainRows` the P1 train split. */
export function coldData(trainRows: readonly InteractionRow[], ratings: readonly InteractionRow[], coldIds: Iterable<string>): ColdData {
  const cold = [...new Set(coldIds)].sort(numericIdOrder);
  const position = new Map(cold.map((id, p) => [id, p]));
  const train = Interactions.fromRows(trainRows.filter((r) => !position.has(r.item)));
  const byUser = new Map<number, Set<number>>();
  for (const row of ratings) {
    const p = position.get(row.item);
    const user = train.users.get(row.user);
    if (p === undefined || user === undefined) continue;
    let set = byUser.get(user);
    if (!set) byUser.set(user, (set = new Set()));
    set.add(p);
  }
  const testUsers = Int32Array.from([...byUser.keys()].sort((a, b) => a - b));
  return { train, cold, testUsers, relevant: Array.from(testUsers, (u) => byUser.get(u)!) };
}

/** Positions of the k best scores, best first; equal scores go to the earlier position (the cold list order). */
export function rankCold(scores: ArrayLike<number>, k = COLD_K): number[] {
  const order = Array.from({ length: scores.length }, (_, p) => p);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, k);
}

export interface ColdMetrics {
  "recall@20": number;
  "ndcg@20": number;
  "hit@20": number;
}

/**
 * P2 mixed: positions of the k best of every item, warm items at positions 0..W-1 (train order) and cold items
 * after them (cold list order); -Infinity (the user's own train items) is never ranked. Equal scores go to the
 * lower position, so warm items first.
 */
export function rankAll(scores: ArrayLike<number>, k = COLD_K): number[] {
  return rankCold(scores, k).filter((p) => scores[p] > -Infinity);
}

export interface MixedMetrics extends ColdMetrics {
  /** Mean over test users of the share of the top 20 that is cold. */
  "cold_share@20": number;
  /** Share of the cold items in at least one test user's top 20. */
  "cold_coverage@20": number;
}

/**
 * P2 mixed's metrics: lists[j] ranks every item for data.testUsers[j] (rankAll positions, cold items from
 * `warmCount` on); relevant[j] holds cold list positions, as in P2.
 */
export function mixedMetrics(relevant: ReadonlyArray<ReadonlySet<number>>, lists: ReadonlyArray<ArrayLike<number>>, warmCount: number, coldCount: number): MixedMetrics {
  const shifted = relevant.map((set) => new Set([...set].map((p) => warmCount + p)));
  const reached = new Set<number>();
  let share = 0;
  for (const list of lists) {
    let cold = 0;
    for (let r = 0; r < Math.min(list.length, COLD_K); r++) {
      if (list[r] < warmCount) continue;
      cold++;
      reached.add(list[r]);
    }
    share += cold / COLD_K;
  }
  return { ...coldMetrics(shifted, lists), "cold_share@20": share / lists.length, "cold_coverage@20": reached.size / coldCount };
}

/** P2's metrics, averaged over test users; lists[j] is the ranking of data.testUsers[j]. */
export function coldMetrics(relevant: ReadonlyArray<ReadonlySet<number>>, lists: ReadonlyArray<ArrayLike<number>>): ColdMetrics {
  const mean = (metric: typeof recall) => lists.reduce((acc, list, j) => acc + metric(relevant[j], list, COLD_K), 0) / lists.length;
  return { "recall@20": mean(recall), "ndcg@20": mean(ndcg), "hit@20": mean(hitRate) };
}

/** MovieLens ids are integers: order them as numbers, anything else by length and then as strings (as the reference does). */
export function numericIdOrder(a: string, b: string): number {
  return a.length - b.length || compareStrings(a, b);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 (zlib's) of a string's UTF-8 bytes, as an unsigned number. */
export function crc32(text: string): number {
  let c = -1;
  for (const byte of new TextEncoder().encode(text)) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
