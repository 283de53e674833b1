import { afterEach, describe, expect, it } from "vitest";
import type { InteractionRow, Item } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import { setKernelPool } from "../numeric/kernel-pool.ts";
import { useWorkerThreads } from "../numeric/kernel-pool.node.ts";
import { mulberry32 } from "../numeric/random.ts";
import { resolveParams } from "./spec.ts";
import { TwoTower, twoTowerSpec } from "./twotower.ts";

/** 120 users with 10-30 items each of 150, with titles and genres: batches large enough to be split in chunks. */
function catalogAndRows(): { data: Interactions; items: Item[] } {
  const next = mulberry32(3);
  const genres = ["Comedy", "Horror", "Drama", "Action"];
  const rows: InteractionRow[] = [];
  let t = 0;
  for (let u = 0; u < 120; u++) {
    const n = 10 + Math.floor(next() * 20);
    for (let k = 0; k < n; k++) rows.push({ user: `u${u}`, item: `i${Math.floor(next() * 150)}`, value: 1, timestamp: t++ });
  }
  const data = Interactions.fromRows(rows);
  const items = data.items.toArray().map((id, i): Item => ({ id, title: `Film ${id} part ${i % 7}`, year: 1970 + (i % 40), genres: [genres[i % 4]], tags: [] }));
  return { data, items };
}

function fitWith(threads: number) {
  const label = useWorkerThreads(threads);
  const { data, items } = catalogAndRows();
  const model = new TwoTower(resolveParams(twoTowerSpec, { dim: 16, hidden: 24, batch: 256, epochs: 3, validate: 0, hash_bits: 10 }));
  return model.fit(data, { items }).then(() => ({ label, kernels: model.kernelsLabel, model }));
}

describe("twotower on worker threads", () => {
  afterEach(() => setKernelPool(undefined));

  it("trains to bit-identical parameters and losses with 1 and 2 threads", async () => {
    const one = await fitWith(1);
    const two = await fitWith(2);
    expect(one.kernels).toBe("wasm-simd, 1 thread");
    expect(two.kernels).toBe("wasm-simd, 2 threads");
    expect(two.model.epochs.map((e) => e.loss)).toEqual(one.model.epochs.map((e) => e.loss));
    const a = one.model.toArtifact().arrays;
    const b = two.model.toArtifact().arrays;
    const bytes = (x: Float32Array | Int32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    expect(Object.keys(a)).toContain("param.items");
    for (const name of Object.keys(a)) expect(bytes(b[name]).equals(bytes(a[name])), name).toBe(true);
  });
});
