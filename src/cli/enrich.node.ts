import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeItem } from "../agent/metadata/describe.ts";
import { MetadataExtractor } from "../agent/metadata/extract.ts";
import { InputError } from "../core/errors.ts";
import type { Item } from "../core/types.ts";
import { loadDataset, readText } from "../data/files.node.ts";
import { parseItems } from "../data/generic.ts";
import { llmConfigFromEnv } from "../llm/config.ts";
import { FileCache } from "../llm/file-cache.node.ts";
import { createLlmClient } from "../llm/openai-client.ts";
import { addUsage, NO_USAGE } from "../llm/types.ts";
import { parseCommand, positiveInt, required } from "./args.node.ts";
import { progressBar } from "./progress.node.ts";

export const ENRICH_USAGE = `usage: recagent enrich (--dataset NAME|DIR | --items FILE) --out FILE.jsonl [--limit N] [--cache DIR]
  Item text -> metadata (genres from the catalog's vocabulary, themes, mood, audience, era, keywords, summary)
  for every item, one JSON line each. Uses the LLM endpoint when OPENAI_BASE_URL/OPENAI_API_KEY are set, the
  catalog-vocabulary extractor otherwise (or when a call fails, labelled per line). Answers are cached in
  --cache (default artifacts/llm-cache), so an interrupted run resumes without paying twice.`;

export async function enrichCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    dataset: { type: "string" },
    items: { type: "string" },
    out: { type: "string" },
    limit: { type: "string" },
    cache: { type: "string" },
  }, ENRICH_USAGE);
  const outFile = required(args.out, "--out", ENRICH_USAGE);
  if (Boolean(args.dataset) === Boolean(args.items)) throw new InputError(`give exactly one of --dataset or --items\n\n${ENRICH_USAGE}`);
  const catalog: Item[] = args.dataset ? [...loadDataset(args.dataset).catalog.items()] : parseItems(readText(args.items!), args.items!);
  const items = catalog.slice(0, positiveInt(args.limit, "--limit", catalog.length, Number.MAX_SAFE_INTEGER));
  const config = llmConfigFromEnv(process.env);
  const llm = createLlmClient(config, { cache: new FileCache(args.cache ?? join("artifacts", "llm-cache")) });
  const extractor = MetadataExtractor.fromCatalog(catalog);

  const bar = progressBar("enrich", true);
  const lines: string[] = new Array(items.length);
  let usage = NO_USAGE;
  let done = 0;
  let next = 0;
  // The client enforces the endpoint's concurrency limit; these workers just keep it busy.
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i];
      const d = await describeItem(llm, { title: item.title, description: item.text }, extractor.vocabulary, (x) => extractor.extract(x));
      usage = addUsage(usage, d.usage);
      lines[i] = JSON.stringify({ id: item.id, title: item.title, source: d.source, ...(d.fallback && { fallback: d.fallback }), metadata: d.metadata });
      bar.update(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, config.concurrency) }, worker));
  bar.stop();
  writeFileSync(outFile, `${lines.join("\n")}\n`);
  out(`enriched ${items.length} items with ${llm.enabled ? llm.modelFor("metadata") : "the catalog-vocabulary extractor (no LLM configured)"}: ${usage.calls} calls (${usage.cachedCalls} cached), ${usage.promptTokens + usage.completionTokens} tokens; wrote ${outFile}`);
  return 0;
}
