/**
 * How the in-memory indexes (MemoryIndex, HnswIndex) turn scored rows into results: the k best under the
 * contract's tie rule, and items copied out so callers and the index share nothing.
 */
import type { Item, ItemAttributes } from "../core/types.ts";
import { topK } from "../numeric/topk.ts";
import { compareIds } from "./order.ts";

/**
 * Positions of the k highest `scores` (-Infinity: excluded), best first, ties to the id that sorts first.
 * `idOf(i)` is the id of position i. Fewer than k only when fewer than k scores are finite.
 */
export function bestIndices(scores: Float32Array, k: number, idOf: (i: number) => string): number[] {
  // One more than asked: when the (k+1)-th score is below the k-th, nothing ties at the cut-off.
  const positions = new Int32Array(k + 1);
  const top = new Float32Array(k + 1);
  topK(scores, k + 1, positions, top);
  const tieAtCutoff = positions[k] >= 0 && top[k] === top[k - 1];
  let chosen = Array.from(positions.subarray(0, k)).filter((i) => i >= 0);
  if (chosen.length === k && k > 0 && tieAtCutoff) {
    // topK breaks a tie at the cut-off by position (insertion order); the contract breaks it by id, so
    // keep the positions strictly above the cut-off score and refill from every position tied at it.
    const cutoff = top[k - 1];
    const above = chosen.filter((i) => scores[i] > cutoff);
    const tied: number[] = [];
    for (let i = 0; i < scores.length; i++) if (scores[i] === cutoff) tied.push(i);
    tied.sort((a, b) => compareIds(idOf(a), idOf(b)));
    chosen = above.concat(tied.slice(0, k - above.length));
  }
  return chosen.sort((a, b) => scores[b] - scores[a] || compareIds(idOf(a), idOf(b)));
}

/** A copy with only Item's fields (an IndexedItem's vector stays out), so callers and the index share nothing. */
export function copyItem(item: Item): Item {
  const copy: Item = { id: item.id, title: item.title, genres: [...item.genres], tags: [...item.tags] };
  if (item.year !== undefined) copy.year = item.year;
  if (item.text !== undefined) copy.text = item.text;
  if (item.attributes !== undefined) copy.attributes = copyAttributes(item.attributes);
  return copy;
}

function copyAttributes(attributes: ItemAttributes): ItemAttributes {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, Array.isArray(value) ? [...value] : value]));
}
