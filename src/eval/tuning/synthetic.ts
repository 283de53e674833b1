import type { InteractionRow } from "../../core/types.ts";
import { mulberry32 } from "../../numeric/random.ts";

export interface SyntheticShape {
  users: number;
  items: number;
  /** Mean events per user (each user draws between 5 and 3x this many). */
  eventsPerUser: number;
  /** Taste clusters; each item belongs to one. */
  clusters: number;
  /**
   * Chance that a user's next event moves to another of their clusters: 0 = no order in a history, near 1 =
   * every event from a fresh cluster. In between, the latest events say most about the next ones.
   */
  drift: number;
  /** "counts": values are play counts, larger for the user's favourite cluster; "ratings": stars 1-5; "binary": 1. */
  values: "counts" | "ratings" | "binary";
  seed: number;
}

/**
 * Interaction rows with known structure, for tests and for checking the tuner on data shapes the bundled data
 * set lacks (play counts, sparse histories). Items are clustered with Zipf popularity inside each cluster; a
 * user likes three clusters (one favourite) and walks between them with probability `drift` per event, so
 * with drift between 0 and 1 recency matters; with counts the favourite cluster's items are played more, so
 * the value carries signal that binarising throws away. A user never repeats an item.
 */
export function syntheticRows(shape: SyntheticShape): InteractionRow[] {
  const next = mulberry32(shape.seed);
  const pick = (n: number) => Math.min(n - 1, Math.floor(next() * n));
  const byCluster: number[][] = Array.from({ length: shape.clusters }, () => []);
  for (let i = 0; i < shape.items; i++) byCluster[i % shape.clusters].push(i);
  // Zipf weights by rank inside the cluster, as cumulative sums for sampling.
  const cumulative = byCluster.map((items) => {
    let sum = 0;
    return items.map((_, rank) => (sum += 1 / (rank + 1)));
  });
  const drawItem = (cluster: number) => {
    const sums = cumulative[cluster];
    const target = next() * sums[sums.length - 1];
    let lo = 0;
    let hi = sums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sums[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return byCluster[cluster][lo];
  };
  const rows: InteractionRow[] = [];
  for (let u = 0; u < shape.users; u++) {
    const liked = [pick(shape.clusters), pick(shape.clusters), pick(shape.clusters)];
    const count = 5 + pick(Math.max(1, Math.round(3 * shape.eventsPerUser) - 9));
    const seen = new Set<number>();
    let current = 0;
    for (let t = 0, attempts = 0; seen.size < count && attempts < count * 20; attempts++) {
      if (next() < shape.drift) current = pick(liked.length);
      const item = drawItem(liked[current]);
      if (seen.has(item)) continue;
      seen.add(item);
      rows.push({ user: `u${u}`, item: `i${item}`, value: valueOf(shape.values, current === 0, next), timestamp: 1_000_000 + u * 10_000 + t++ });
    }
  }
  return rows;
}

function valueOf(kind: SyntheticShape["values"], favourite: boolean, next: () => number): number {
  if (kind === "binary") return 1;
  if (kind === "ratings") return Math.min(5, Math.max(1, Math.round((favourite ? 4 : 3) + 1.5 * (next() - 0.5))));
  // Geometric play counts: mean about 20 for the favourite cluster, 3 otherwise.
  const p = favourite ? 0.05 : 0.3;
  return 1 + Math.floor(Math.log(1 - next()) / Math.log(1 - p));
}
