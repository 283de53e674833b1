import { join } from "node:path";
import { ChatAgent, type ChatAgentOptions } from "../agent/chat/agent.ts";
import { ChatVocabulary } from "../agent/chat/vocabulary.ts";
import { assembleServices, memoryIndexOf } from "../agent/assemble.ts";
import { parseCommand } from "../cli/args.node.ts";
import { AppError, InputError } from "../core/errors.ts";
import { BUNDLED_DATA, loadDataset, readSplitFile } from "../data/files.node.ts";
import { Interactions } from "../data/interactions.ts";
import { llmConfigFromEnv } from "../llm/config.ts";
import { createLlmClient } from "../llm/openai-client.ts";
import { alsSpec } from "../models/als.ts";
import { ContentMap } from "../models/content-map.ts";
import { resolveParams } from "../models/spec.ts";
import { sampleUsers, type SimOutcome, simulate, summarize } from "./chat-sim.ts";

const USAGE = `usage: node --import tsx src/eval/chat-sim.node.ts [--users 200] [--llm-users 50] [--turns 5] [--k 10] [--seed 1]
                 [--split DIR] [--dataset NAME|DIR]
  Simulated users chat with the agent: each hides a target from the P1 test split, answers questions
  truthfully from the target's genre and decade, and otherwise names a film it liked in train.
  Prints one JSON line per policy: success@k within T turns (T = 1..turns), mean turns to success.
  Policies: recommend-at-once (never asks), ask-first (entropy question), ask-first-llm (the LLM parses
  messages; runs on --llm-users users when OPENAI_BASE_URL / OPENAI_API_KEY is set, else reported as skipped).
  The model is ALS with its default parameters, trained on the split's train file.`;

async function main(argv: string[]): Promise<number> {
  const args = parseCommand(
    argv,
    {
      users: { type: "string", default: "200" },
      "llm-users": { type: "string", default: "50" },
      turns: { type: "string", default: "5" },
      k: { type: "string", default: "10" },
      seed: { type: "string", default: "1" },
      split: { type: "string", default: join(BUNDLED_DATA, "splits", "ml-latest-small") },
      dataset: { type: "string", default: "ml-latest-small" },
    },
    USAGE,
  );
  const [users, llmUsers, maxTurns, k, seed] = [args.users, args["llm-users"], args.turns, args.k, args.seed].map(positiveInt);
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const catalog = loadDataset(args.dataset).catalog;
  const train = readSplitFile(join(args.split, "train.tsv"));
  const test = readSplitFile(join(args.split, "test.tsv"));
  const data = Interactions.fromRows(train);
  const model = alsSpec.create(resolveParams(alsSpec));
  log(`training ALS on ${train.length} rows`);
  await model.fit(data);
  const ids = data.items.toArray();
  const items = ids.map((id) => catalog.get(id) ?? { id, title: id, genres: [], tags: [] });
  const index = memoryIndexOf(model, items);
  const services = await assembleServices({
    saved: { artifact: model.toArtifact(), users: data.users.toArray(), items: ids, seen: data.matrix },
    model,
    items,
    index,
    contentMap: ContentMap.fit(items, model.itemVectors(), model.factors),
  });
  const agent = (o: Partial<ChatAgentOptions>) => new ChatAgent({ recommendations: services.recommendations, index, vocabulary: ChatVocabulary.fromItems(items), ...o });
  const sample = sampleUsers(train, test, (id) => catalog.get(id), new Set(ids), { users, seed });
  const opts = { maxTurns, k };
  const run = async (policy: string, chat: ChatAgent, who = sample) => {
    const started = performance.now();
    const outcomes: SimOutcome[] = [];
    for (const user of who) outcomes.push(await simulate(chat, user, opts));
    const report = summarize(policy, chat.llmEnabled ? "llm" : "rules", outcomes, opts);
    console.log(JSON.stringify({ ...report, seed, seconds: Math.round((performance.now() - started) / 10) / 100 }));
  };

  await run("recommend-at-once", agent({ questions: "never" }));
  await run("ask-first", agent({ questions: "entropy" }));
  const llm = createLlmClient(llmConfigFromEnv(process.env));
  if (llm.enabled) await run("ask-first-llm", agent({ questions: "entropy", llm }), sample.slice(0, llmUsers));
  else console.log(JSON.stringify({ eval: "chat-sim", policy: "ask-first-llm", skipped: "no LLM endpoint configured (set OPENAI_BASE_URL and/or OPENAI_API_KEY)" }));
  return 0;
}

function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`expected a positive whole number, got "${raw}"\n\n${USAGE}`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (AppError.isInstance(e) && e.status < 500) {
      process.stderr.write(`chat-sim: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  },
);
