import type { Scored } from "./types.ts";

/**
 * The tie rule every VectorIndex follows: equal scores go to the id that sorts first in UTF-16 code-unit
 * order (JS `<`, the default of Array.prototype.sort), never to insertion or storage order.
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Best first: higher score, then the tie rule. */
export function byScoreThenId(a: Scored, b: Scored): number {
  return b.score - a.score || compareIds(a.item.id, b.item.id);
}
