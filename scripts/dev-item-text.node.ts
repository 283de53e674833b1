/**
 * Development text for the cold-start work: an items JSONL of { id, title, description } for every MovieLens
 * movie that has tags, the description being its distinct tags in the order users gave them ("funny. highly
 * quotable. will ferrell."). A stand-in for real plot summaries (which this repository does not ship), built from
 * what the data set has; nothing in it depends on any split, so it can be used for validation and test alike.
 *
 *   node --import tsx scripts/dev-item-text.node.ts [MOVIELENS_DIR] > artifacts/dev-items.jsonl
 *   recagent eval-cold ... --items artifacts/dev-items.jsonl --cold-content all|text|metadata
 */
import { loadDataset } from "../src/data/files.node.ts";

const dataset = loadDataset(process.argv[2] ?? "ml-latest-small");
let written = 0;
for (const item of dataset.catalog.items()) {
  const seen = new Set<string>();
  const tags = item.tags.filter((t) => {
    const key = t.trim().toLowerCase();
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (tags.length === 0) continue;
  process.stdout.write(`${JSON.stringify({ id: item.id, title: item.title, description: `${tags.join(". ")}.` })}\n`);
  written++;
}
process.stderr.write(`${written} of ${dataset.catalog.size} items have tags\n`);
