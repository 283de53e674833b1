/**
 * Writes the indices of the k highest scores into `outIds` (and the scores into `outScores`), best first.
 * Ties go to the lower index, so results are reproducible and match a stable sort on -score. Scores of
 * -Infinity (excluded items) are never returned; unused slots get id -1 and score -Infinity.
 * A bounded min-heap keyed on (score, -index): O(n log k).
 */
export function topK(scores: Float32Array, k: number, outIds: Int32Array, outScores: Float32Array, offset = 0): void {
  const heapIds = new Int32Array(k);
  const heapScores = new Float64Array(k);
  let size = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s === -Infinity || s !== s) continue;
    if (size < k) {
      heapIds[size] = i;
      heapScores[size] = s;
      siftUp(heapIds, heapScores, size++);
    } else if (s > heapScores[0]) {
      // An equal score with a higher index loses the tie, so only a strictly greater score enters.
      heapIds[0] = i;
      heapScores[0] = s;
      siftDown(heapIds, heapScores, size);
    }
  }
  const found = size;
  for (let slot = found - 1; slot >= 0; slot--) {
    outIds[offset + slot] = heapIds[0];
    outScores[offset + slot] = heapScores[0];
    heapIds[0] = heapIds[size - 1];
    heapScores[0] = heapScores[size - 1];
    size--;
    siftDown(heapIds, heapScores, size);
  }
  for (let slot = found; slot < k; slot++) {
    outIds[offset + slot] = -1;
    outScores[offset + slot] = -Infinity;
  }
}

/** True when entry a ranks below entry b (the heap root is the worst kept entry). */
function worse(ids: Int32Array, scores: Float64Array, a: number, b: number): boolean {
  return scores[a] < scores[b] || (scores[a] === scores[b] && ids[a] > ids[b]);
}

function swap(ids: Int32Array, scores: Float64Array, a: number, b: number): void {
  const id = ids[a];
  ids[a] = ids[b];
  ids[b] = id;
  const s = scores[a];
  scores[a] = scores[b];
  scores[b] = s;
}

function siftUp(ids: Int32Array, scores: Float64Array, i: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!worse(ids, scores, i, parent)) return;
    swap(ids, scores, i, parent);
    i = parent;
  }
}

function siftDown(ids: Int32Array, scores: Float64Array, size: number): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < size && worse(ids, scores, l, m)) m = l;
    if (r < size && worse(ids, scores, r, m)) m = r;
    if (m === i) return;
    swap(ids, scores, i, m);
    i = m;
  }
}

/** Naive reference: full stable sort. Tests compare topK against it. */
export function topKReference(scores: Float32Array, k: number): { ids: number[]; scores: number[] } {
  const order = Array.from(scores.keys())
    .filter((i) => scores[i] !== -Infinity && !Number.isNaN(scores[i]))
    .sort((a, b) => scores[b] - scores[a] || a - b)
    .slice(0, k);
  return { ids: order, scores: order.map((i) => scores[i]) };
}
