import { join } from "node:path";
import { ChatAgent, type ChatAgentOptions } from "../agent/chat/agent.ts";
import { ChatVocabulary } from "../agent/chat/vocabulary.ts";
import { assembleServices, memoryIndexOf } from "../agent/assemble.ts";
import { BUNDLED_DATA, loadDataset, readSplitFile } from "../data/files.node.ts";
import { Interactions } from "../data/interactions.ts";
import type { LlmClient } from "../llm/types.ts";
import { alsSpec } from "../models/als.ts";
import { ContentMap } from "../models/content-map.ts";
import { resolveParams } from "../models/spec.ts";
import { type ChatSimRow, sampleUsers, type SimOutcome, simulate, summarize } from "./chat-sim.ts";

export interface ChatSimOptions {
  users: number;
  llmUsers: number;
  maxTurns: number;
  k: number;
  seed: number;
  split?: string;
  dataset?: string;
  /** The LLM parser policy runs only when this client is enabled. */
  llm: LlmClient;
  log?: (line: string) => void;
}

/**
 * Simulated users chat with the agent (ALS with default parameters, trained on the split's train file):
 * recommend-at-once (never asks), ask-first (entropy question), ask-first-llm (LLM parser; skipped without
 * an endpoint).
 */
export async function runChatSimulation(o: ChatSimOptions): Promise<ChatSimRow[]> {
  const split = o.split ?? join(BUNDLED_DATA, "splits", "ml-latest-small");
  const catalog = loadDataset(o.dataset ?? "ml-latest-small").catalog;
  const train = readSplitFile(join(split, "train.tsv"));
  const test = readSplitFile(join(split, "test.tsv"));
  const data = Interactions.fromRows(train);
  const model = alsSpec.create(resolveParams(alsSpec));
  o.log?.(`chat simulation: training ALS on ${train.length} rows`);
  await model.fit(data);
  const ids = data.items.toArray();
  const items = ids.map((id) => catalog.get(id) ?? { id, title: id, genres: [], tags: [] });
  const index = memoryIndexOf(model, items);
  const services = await assembleServices({
    saved: { artifact: model.toArtifact(), users: data.users.toArray(), items: ids, seen: data.matrix },
    models: { model, space: model },
    items,
    index,
    contentMap: ContentMap.fit(items, model.itemVectors(), model.factors),
  });
  const agent = (a: Partial<ChatAgentOptions>) => new ChatAgent({ recommendations: services.recommendations, index, vocabulary: ChatVocabulary.fromItems(items), ...a });
  const sample = sampleUsers(train, test, (id) => catalog.get(id), new Set(ids), { users: o.users, seed: o.seed });
  const opts = { maxTurns: o.maxTurns, k: o.k };
  const run = async (policy: string, chat: ChatAgent, who = sample): Promise<ChatSimRow> => {
    const started = performance.now();
    const outcomes: SimOutcome[] = [];
    for (const user of who) outcomes.push(await simulate(chat, user, opts));
    const report = summarize(policy, chat.llmEnabled ? "llm" : "rules", outcomes, opts);
    return { ...report, seed: o.seed, seconds: Math.round((performance.now() - started) / 10) / 100 };
  };
  const rows = [await run("recommend-at-once", agent({ questions: "never" })), await run("ask-first", agent({ questions: "entropy" }))];
  rows.push(
    o.llm.enabled
      ? await run("ask-first-llm", agent({ questions: "entropy", llm: o.llm }), sample.slice(0, o.llmUsers))
      : { eval: "chat-sim", policy: "ask-first-llm", skipped: "no LLM endpoint configured (set OPENAI_BASE_URL and/or OPENAI_API_KEY)" },
  );
  return rows;
}
