import type { Csr } from "../data/csr.ts";
import { type ItemContent, referenceKeys } from "../models/content-features.ts";

/**
 * The "genre affinity" baseline of protocol P2, as ../shared/anchors/reference_p2.py computes it: features are
 * genres, decade and title words seen on at least two items (warm or cold), weighted by idf = ln(N / (1 + df));
 * a user's profile is the sum of the weighted features of their train items, L1-normalised; a cold item
 * scores profile . its weighted features. Row j of the result is users[j]: the cold items' scores, or with
 * `candidates` "all" every item's (warm ones first, in train order: P2 mixed).
 */
export function genreAffinityScores(seen: Csr, users: Int32Array, warm: readonly ItemContent[], cold: readonly ItemContent[], candidates: "cold" | "all" = "cold"): Float64Array {
  const keysOf = [...warm, ...cold].map(referenceKeys);
  const df = new Map<string, number>();
  for (const keys of keysOf) for (const key of keys) df.set(key, (df.get(key) ?? 0) + 1);
  const idf = new Map<string, number>();
  for (const [key, n] of df) if (n >= 2) idf.set(key, Math.log(keysOf.length / (1 + n)));
  const weighted = keysOf.map((keys) => keys.filter((k) => idf.has(k)).map((k) => [k, idf.get(k)!] as const));

  const first = candidates === "all" ? 0 : warm.length;
  const n = keysOf.length - first;
  const out = new Float64Array(users.length * n);
  users.forEach((u, j) => {
    const profile = new Map<string, number>();
    for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) {
      for (const [key, w] of weighted[seen.indices[p]]) profile.set(key, (profile.get(key) ?? 0) + w);
    }
    let norm = 1e-9;
    for (const v of profile.values()) norm += Math.abs(v);
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (const [key, w] of weighted[first + c]) s += (profile.get(key) ?? 0) * w;
      out[j * n + c] = s / norm;
    }
  });
  return out;
}
