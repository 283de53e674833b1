import { join } from "node:path";
import { parseCommand, runScript } from "../src/cli/args.node.ts";
import { loadSuite, loadSuiteData, PACKAGE_ROOT, writeReports } from "../src/eval/suite/files.node.ts";
import { renderMarkdown } from "../src/eval/suite/markdown.ts";
import { runSuite } from "../src/eval/suite/run.ts";
import { llmConfigFromEnv } from "../src/llm/config.ts";
import { createLlmClient, disabledLlmClient } from "../src/llm/openai-client.ts";
import { runChatSimulation } from "../src/eval/chat-sim-run.node.ts";
import { echoShownOrder, fakeRanker } from "../src/ranking/listwise-fake.ts";

const USAGE = `usage: node --import tsx evals/run.node.ts [--suite ID|FILE.json] [--out DIR] [--fake]
  --suite  a suite in evals/suites (its latest version) or a suite file; default quick
  --out    where report.json, report.md and report.html go; default artifacts/evals/<id>-v<version>
  --no-chat  skip the simulated-user chat evaluation (200 users, about 20 s)
  --fake   answer the LLM rows with the scripted fake server (a model that keeps the order it is shown);
           the reports then say their figures test the harness, not a model
  The LLM rows run when an endpoint is configured: OPENAI_BASE_URL and/or OPENAI_API_KEY, model
  RECAGENT_LLM_MODEL, prices RECAGENT_LLM_PRICE_INPUT/OUTPUT (USD per 1M tokens); see src/llm/config.ts.`;

async function main(argv: string[]): Promise<number> {
  const args = parseCommand(argv, { suite: { type: "string", default: "quick" }, out: { type: "string" }, fake: { type: "boolean", default: false }, "no-chat": { type: "boolean", default: false } }, USAGE);
  const def = loadSuite(args.suite);
  const config = args.fake ? undefined : llmConfigFromEnv(process.env);
  const { client, config: prices } = config ? { client: createLlmClient(config), config } : fakeRanker(echoShownOrder);
  const progress = (message: string) => process.stderr.write(`${message}\n`);
  progress(`suite ${def.id} v${def.version}; LLM ${client.enabled ? `${client.modelFor("rerank")}${client.isFake ? " (scripted fake)" : ""}` : "not configured"}`);
  const report = await runSuite(def, loadSuiteData(def), { llm: client, prices, onProgress: progress });
  if (!args["no-chat"]) {
    // The scripted listwise fake cannot parse chat messages, so a --fake run simulates chat with rules only.
    const chatLlm = client.isFake ? disabledLlmClient() : client;
    report.chat = await runChatSimulation({ users: 200, llmUsers: 50, maxTurns: 5, k: 10, seed: 1, llm: chatLlm, log: progress });
  }
  const paths = writeReports(report, args.out ?? join(PACKAGE_ROOT, "artifacts", "evals", `${def.id}-v${def.version}`));
  console.log(renderMarkdown(report));
  console.log(`reports: ${paths.json}\n         ${paths.markdown}\n         ${paths.html}`);
  return 0;
}

runScript("eval", main);
