import type { InteractionRow } from "../core/types.ts";

export interface Split {
  train: InteractionRow[];
  test: InteractionRow[];
}

/**
 * Protocol P1's per-user temporal split. Users are taken in order of first appearance; each user's rows are
 * sorted by (timestamp, item id as a string). A user with n >= minRows rows puts the last
 * max(1, floor(fraction * n)) into test, the rest into train; a user with fewer rows is all train.
 * The same rule carves a validation split out of a train split.
 */
export function splitByUser(rows: readonly InteractionRow[], fraction = 0.2, minRows = 5): Split {
  const byUser = new Map<string, InteractionRow[]>();
  for (const row of rows) {
    const list = byUser.get(row.user);
    if (list) list.push(row);
    else byUser.set(row.user, [row]);
  }
  const train: InteractionRow[] = [];
  const test: InteractionRow[] = [];
  for (const list of byUser.values()) {
    list.sort(byTimeThenItem);
    const n = list.length;
    const held = n >= minRows ? Math.max(1, Math.floor(fraction * n)) : 0;
    for (let t = 0; t < n; t++) (t < n - held ? train : test).push(list[t]);
  }
  return { train, test };
}

function byTimeThenItem(a: InteractionRow, b: InteractionRow): number {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  return a.item < b.item ? -1 : a.item > b.item ? 1 : 0;
}

/** One line of a split file: user, item, value, timestamp, tab-separated; values print as Python prints floats. */
export function formatSplitRow(row: InteractionRow): string {
  const value = Number.isInteger(row.value) ? row.value.toFixed(1) : String(row.value);
  return `${row.user}\t${row.item}\t${value}\t${row.timestamp}`;
}
