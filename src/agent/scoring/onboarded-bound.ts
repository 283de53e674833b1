import type { Scored } from "../../index/types.ts";

/**
 * How far onboarded items may crowd a list: at most `maxShare` of its k slots (rounded, at least one). With
 * calibrated vectors (SpreadCalibration) a new item competes with trained ones on its predicted merits; the
 * bound keeps a catalog with many new items, or content that predicts well only on average, from filling
 * everybody's list with guesses. Chosen on validation carved from train (recagent eval-cold --validate).
 */
export interface OnboardedBound {
  maxShare: number;
  isOnboarded: (id: string) => boolean;
}

/** The bound used unless configured otherwise; see README, "P2 mixed". */
export const DEFAULT_ONBOARDED_SHARE = 0.15;

export function onboardedSlots(k: number, maxShare: number): number {
  return Math.max(1, Math.round(maxShare * k));
}

/**
 * A best-first list with at most `slots` onboarded items: the best of them stay, the rest are dropped (their
 * ids returned, so a caller can fetch trained items to fill the gap). Order is otherwise kept.
 */
export function boundOnboarded<T>(list: readonly T[], slots: number, isOnboarded: (x: T) => boolean): { kept: T[]; dropped: T[] } {
  const kept: T[] = [];
  const dropped: T[] = [];
  let used = 0;
  for (const x of list) {
    if (!isOnboarded(x)) kept.push(x);
    else if (used < slots) {
      used++;
      kept.push(x);
    } else dropped.push(x);
  }
  return { kept, dropped };
}

/** The k best of a best-first list as served: onboarded items bounded, then cut to k. */
export function boundedTop(list: readonly Scored[], k: number, bound: OnboardedBound | undefined): Scored[] {
  if (!bound) return list.slice(0, k);
  return boundOnboarded(list, onboardedSlots(k, bound.maxShare), (s) => bound.isOnboarded(s.item.id)).kept.slice(0, k);
}
