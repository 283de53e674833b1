export interface ReadLabels {
  /** The window's items, best first: the labelled ones in the model's order, then those it left out. */
  order: number[];
  /** How many items the model placed itself (0: the answer carries no information). */
  placed: number;
  unknown: number;
  duplicates: number;
  /** Items the model left out, appended in retrieval order. */
  missing: number;
}

/** "3", " 3 " and "[3]" all name label 3: models echo the brackets of the prompt now and then. */
const LABEL = /^\s*\[?\s*(\d+)\s*\]?\s*$/;

function labelNumber(label: string): number | undefined {
  const m = LABEL.exec(label);
  return m ? Number(m[1]) : undefined;
}

/**
 * Maps an answer (labels, best first) back to the window it was asked about: label k (1-based) is shown[k - 1],
 * the candidate index shown at position k. Unknown and repeated labels are dropped and counted; the items the
 * model left out follow in retrieval order (ascending candidate index). The result is always a permutation
 * of `shown`.
 */
export function readLabels(answer: readonly string[], shown: readonly number[]): ReadLabels {
  const taken = new Set<number>();
  const order: number[] = [];
  let unknown = 0;
  let duplicates = 0;
  for (const label of answer) {
    const k = labelNumber(label);
    if (k === undefined || k < 1 || k > shown.length) unknown++;
    else if (taken.has(k)) duplicates++;
    else {
      taken.add(k);
      order.push(shown[k - 1]);
    }
  }
  const left = shown.filter((_, p) => !taken.has(p + 1)).sort((a, b) => a - b);
  return { order: [...order, ...left], placed: order.length, unknown, duplicates, missing: left.length };
}
