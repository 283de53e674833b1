import type { InteractionRow } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";

/**
 * Two taste clusters with one held-out item per user, so the right next item is known:
 * users u0..u2 share items i0..i2, users u3..u5 share items i3..i5, and user uN lacks exactly one item of its
 * cluster (u0 lacks i2, u1 lacks i0, u2 lacks i1; u3 lacks i5, u4 lacks i3, u5 lacks i4).
 * Cluster A items are a little more popular, so popularity alone cannot solve cluster B.
 * With `nextItemOrder`, each user's items come in time in their cluster's cyclic order starting after the
 * missing one (u0: i0 then i1, lacking i2), so the missing item is what other users did next: the same sets,
 * in an order a next-item model (SASRec) can learn; without it, items come in index order.
 */
export function twoClusters(o: { nextItemOrder?: boolean } = {}): { data: Interactions; missing: Map<number, number> } {
  const clusters: Array<{ users: string[]; items: string[] }> = [
    { users: ["u0", "u1", "u2"], items: ["i0", "i1", "i2"] },
    { users: ["u3", "u4", "u5"], items: ["i3", "i4", "i5"] },
  ];
  const lacks: Record<string, string> = { u0: "i2", u1: "i0", u2: "i1", u3: "i5", u4: "i3", u5: "i4" };
  const rows: InteractionRow[] = [];
  let t = 0;
  for (const { users, items } of clusters) {
    for (const user of users) {
      const skip = items.indexOf(lacks[user]);
      const order = o.nextItemOrder ? [...items.slice(skip + 1), ...items.slice(0, skip)] : items.filter((item) => item !== lacks[user]);
      for (const item of order) rows.push({ user, item, value: 1, timestamp: t++ });
    }
  }
  // A cluster-A fan with no other signal makes cluster A the popular one.
  for (const item of ["i0", "i1", "i2"]) rows.push({ user: "fanA", item, value: 1, timestamp: t++ });
  const data = Interactions.fromRows(rows);
  const missing = new Map<number, number>();
  for (const [user, item] of Object.entries(lacks)) missing.set(data.users.get(user)!, data.items.get(item)!);
  return { data, missing };
}
