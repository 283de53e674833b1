/**
 * NDCG@10 of the ten best-scoring items against a held-out set, as P1 defines it (binary relevance, ties to the
 * lower index): the early-stopping signal of the neural models. Items to leave out must score -Infinity. It lives
 * here, not in eval/, because models sit below the eval layer.
 */
export function ndcgAt10(scores: Float32Array, relevant: ReadonlySet<number>): number {
  const top: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] === -Infinity || (top.length === 10 && scores[i] <= scores[top[9]])) continue;
    let at = Math.min(top.length, 9);
    if (top.length < 10) top.push(i);
    while (at > 0 && scores[top[at - 1]] < scores[i]) {
      top[at] = top[at - 1];
      at--;
    }
    top[at] = i;
  }
  let dcg = 0;
  top.forEach((i, r) => {
    if (relevant.has(i)) dcg += 1 / Math.log2(r + 2);
  });
  let ideal = 0;
  for (let r = 0; r < Math.min(10, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return ideal > 0 ? dcg / ideal : 0;
}
