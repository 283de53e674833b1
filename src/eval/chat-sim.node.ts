import { join } from "node:path";
import { parseCommand, runScript } from "../cli/args.node.ts";
import { InputError } from "../core/errors.ts";
import { BUNDLED_DATA } from "../data/files.node.ts";
import { llmConfigFromEnv } from "../llm/config.ts";
import { createLlmClient } from "../llm/openai-client.ts";
import { runChatSimulation } from "./chat-sim-run.node.ts";

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
  const rows = await runChatSimulation({
    users, llmUsers, maxTurns, k, seed, split: args.split, dataset: args.dataset,
    llm: createLlmClient(llmConfigFromEnv(process.env)),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  for (const row of rows) console.log(JSON.stringify(row));
  return 0;
}

function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`expected a positive whole number, got "${raw}"\n\n${USAGE}`);
  return n;
}

runScript("chat-sim", main);
