import type { Csr } from "../data/csr.ts";

/**
 * Beyond-accuracy measures of a set of top-k lists (lists are arrays of dense item ids, -1 padded).
 * Item popularity is the number of training users per item.
 */
export function itemPopularity(byItem: Csr): Float64Array {
  const pop = new Float64Array(byItem.rows);
  for (let i = 0; i < byItem.rows; i++) pop[i] = byItem.indptr[i + 1] - byItem.indptr[i];
  return pop;
}

/** Mean self-information -log2(pop_i / users) of recommended items, in bits: higher = less obvious. */
export function novelty(lists: readonly ArrayLike<number>[], popularity: Float64Array, users: number): number {
  let sum = 0;
  let n = 0;
  for (const list of lists) {
    for (let r = 0; r < list.length; r++) {
      const i = list[r];
      if (i < 0) continue;
      sum += -Math.log2(Math.max(popularity[i], 1) / users);
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}

/**
 * The short head: the most popular items that together hold `share` of all training interactions.
 * Everything else is the long tail.
 */
export function shortHead(popularity: Float64Array, share = 0.5): Set<number> {
  const order = Array.from(popularity.keys()).sort((a, b) => popularity[b] - popularity[a] || a - b);
  const total = popularity.reduce((a, b) => a + b, 0);
  const head = new Set<number>();
  let acc = 0;
  for (const i of order) {
    if (acc >= share * total) break;
    head.add(i);
    acc += popularity[i];
  }
  return head;
}

/** Share of recommended slots filled by long-tail items. */
export function longTailShare(lists: readonly ArrayLike<number>[], head: ReadonlySet<number>): number {
  let tail = 0;
  let n = 0;
  for (const list of lists) {
    for (let r = 0; r < list.length; r++) {
      if (list[r] < 0) continue;
      n++;
      if (!head.has(list[r])) tail++;
    }
  }
  return n === 0 ? 0 : tail / n;
}

/**
 * Intra-list diversity by genre: mean over lists of the mean pairwise genre distance
 * (1 - Jaccard of the two items' genre sets). Lists with fewer than two items are skipped.
 */
export function genreDiversity(lists: readonly ArrayLike<number>[], genresOf: (item: number) => ReadonlySet<string>): number {
  let sum = 0;
  let counted = 0;
  for (const list of lists) {
    const items = Array.from(list).filter((i) => i >= 0);
    if (items.length < 2) continue;
    let pairSum = 0;
    let pairs = 0;
    for (let a = 0; a < items.length; a++) {
      for (let b = a + 1; b < items.length; b++) {
        pairSum += 1 - jaccard(genresOf(items[a]), genresOf(items[b]));
        pairs++;
      }
    }
    sum += pairSum / pairs;
    counted++;
  }
  return counted === 0 ? 0 : sum / counted;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  for (const x of a) if (b.has(x)) common++;
  return common / (a.size + b.size - common);
}
