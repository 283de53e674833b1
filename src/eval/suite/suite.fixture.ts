import type { InteractionRow, Item } from "../../core/types.ts";
import { splitByUser } from "../../data/split.ts";
import { mulberry32 } from "../../numeric/random.ts";
import { p1Data } from "../p1.ts";
import type { SuiteDefinition } from "./definition.ts";
import type { SuiteData } from "./run.ts";

/** 40 users with 12 interactions each over 60 items (popularity skewed toward low ids), split by P1. */
export function tinySuiteData(): SuiteData {
  const next = mulberry32(7);
  const rows: InteractionRow[] = [];
  for (let u = 0; u < 40; u++) {
    const seen = new Set<number>();
    while (seen.size < 12) seen.add(Math.floor(60 * next() ** 2));
    [...seen].forEach((i, t) => rows.push({ user: `u${u}`, item: `i${i}`, value: 1, timestamp: u * 100 + t }));
  }
  const split = splitByUser(rows);
  const p1 = p1Data(split.train, split.test);
  const genres = ["Drama", "Comedy", "Horror"];
  const items: Item[] = p1.train.items.toArray().map((id) => ({ id, title: `Film ${id}`, year: 1990, genres: [genres[Number(id.slice(1)) % 3]], tags: [] }));
  return { name: "tiny fixture", p1, items };
}

export const TINY_SUITE: SuiteDefinition = {
  id: "tiny",
  version: 1,
  description: "A fixture suite.",
  dataset: { split: "fixture", catalog: "fixture" },
  candidates: { model: "als", params: { factors: 8, iterations: 3 }, sizes: [20, 30] },
  rankers: [
    { id: "none", ranker: { kind: "retrieval" } },
    { id: "mmr-0.3", ranker: { kind: "mmr", diversity: 0.3 } },
    { id: "pop-0.2", ranker: { kind: "popularity-blend", weight: 0.2 } },
    { id: "llm-b1", ranker: { kind: "llm-listwise", orderings: 1, window: 20, stride: 10, gate: null } },
  ],
  metrics: ["ndcg@10", "recall@10", "ndcg@20", "recall@20"],
  users: { llmSample: 10, seed: 1 },
};
