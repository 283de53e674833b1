import type { ItemWeight } from "../core/types.ts";
import type { Csr } from "../data/csr.ts";

/**
 * Recency weighting of a history: an event `age` positions before the newest (age 0) counts
 * max(floor, exp(-age / tau)) times its own weight. tau = 0 turns it off (every event counts fully).
 * Position rather than wall time, so one setting means the same on data sets whose timestamps are only an
 * order key, and a user who rates fifty films in one evening is not treated as one event.
 */
export interface Recency {
  tau: number;
  floor: number;
}

export const NO_RECENCY: Recency = { tau: 0, floor: 1 };

/** Old events keep a little weight: a long history still says something about taste. */
export const DEFAULT_RECENCY_FLOOR = 0.05;

export function recencyIsOn(r: Recency): boolean {
  return r.tau > 0 && r.floor < 1;
}

export function recencyWeight(age: number, r: Recency): number {
  if (!recencyIsOn(r)) return 1;
  return Math.max(r.floor, Math.exp(-age / r.tau));
}

/** Row `user` of `m` as a history, each entry with the recency factor of its age (`ages` aligned with m.indices). */
export function recencyWeightedRow(m: Csr, ages: Int32Array, user: number, r: Recency): ItemWeight[] {
  const out: ItemWeight[] = [];
  if (user >= m.rows) return out;
  for (let p = m.indptr[user]; p < m.indptr[user + 1]; p++) out.push({ item: m.indices[p], weight: m.values[p], recency: recencyWeight(ages[p], r) });
  return out;
}

/** Recency factors for a history listed oldest first: the last event is the newest. */
export function weightByRecency(history: readonly ItemWeight[], r: Recency): ItemWeight[] {
  if (!recencyIsOn(r)) return history.slice();
  const n = history.length;
  return history.map((h, t) => ({ item: h.item, weight: h.weight, recency: recencyWeight(n - 1 - t, r) }));
}
