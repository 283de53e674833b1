import type { InteractionRow, TopK } from "../core/types.ts";
import { Interactions, type ValueTransform } from "../data/interactions.ts";

/** A train/test split in the form protocol P1 evaluates: dense ids from train, relevant sets per test user. */
export interface P1Data {
  train: Interactions;
  /** Dense indices of users with at least one test row, ascending. */
  testUsers: Int32Array;
  /** relevant[j] belongs to testUsers[j]; test items unseen in train get negative ids so they count but never hit. */
  relevant: Array<Set<number>>;
}

export function p1Data(trainRows: readonly InteractionRow[], testRows: readonly InteractionRow[], weight: ValueTransform = "binary"): P1Data {
  const train = Interactions.fromRows(trainRows, weight, testRows.map((r) => r.user));
  const unknownItems = new Map<string, number>();
  const byUser = new Map<number, Set<number>>();
  for (const row of testRows) {
    const user = train.users.get(row.user)!;
    let item = train.items.get(row.item);
    if (item === undefined) {
      // -1 pads short top-k lists, so unknown items start at -2.
      item = unknownItems.get(row.item) ?? -2 - unknownItems.size;
      unknownItems.set(row.item, item);
    }
    let set = byUser.get(user);
    if (!set) byUser.set(user, (set = new Set()));
    set.add(item);
  }
  const testUsers = Int32Array.from([...byUser.keys()].sort((a, b) => a - b));
  return { train, testUsers, relevant: Array.from(testUsers, (u) => byUser.get(u)!) };
}

/** Row j of a TopK as an array view. */
export function topRow(top: TopK, j: number): Int32Array {
  return top.ids.subarray(j * top.k, (j + 1) * top.k);
}
