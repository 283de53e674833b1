import { compareIds } from "../../index/order.ts";
import type { Scored } from "../../index/types.ts";
import { topK } from "../../numeric/topk.ts";

/** How many of the best scores a list of k is first picked from: room for a filter that rejects most of them. */
export const firstLookFor = (k: number) => 4 * k + 32;

/**
 * The k positions of `scores` with the highest values among those `accept` takes, best first (ties to the
 * lower position). Candidates are examined in score order, a growing prefix at a time, so a filter that
 * keeps most items costs a few checks rather than one per catalog item.
 */
export function bestMatching(scores: Float32Array, k: number, accept: (position: number) => boolean, firstLook = firstLookFor(k)): number[] {
  const n = scores.length;
  let look = Math.min(n, Math.max(k, firstLook));
  for (;;) {
    const ids = new Int32Array(look);
    const top = new Float32Array(look);
    topK(scores, look, ids, top);
    const out: number[] = [];
    for (let r = 0; r < look && out.length < k; r++) {
      const p = ids[r];
      if (p >= 0 && top[r] > -Infinity && accept(p)) out.push(p);
    }
    if (out.length === k || look === n) return out;
    look = Math.min(n, look * 4);
  }
}

/** Trained items' best (already best first) with onboarded candidates: the k best of both, ties to the smaller id. */
export function mergeBest(trained: Scored[], onboarded: Scored[], k: number): Scored[] {
  if (onboarded.length === 0) return trained;
  return [...trained, ...onboarded].sort((a, b) => b.score - a.score || compareIds(a.item.id, b.item.id)).slice(0, k);
}
