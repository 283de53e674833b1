import { InputError } from "../core/errors.ts";
import { recommend } from "../models/recommend.ts";
import { restoreRecommender } from "../models/registry.ts";
import { parseCommand, positiveInt, required } from "./args.node.ts";
import { readModelDir } from "./model-dir.node.ts";
import { fixed, formatTable } from "./table.ts";

export const RECOMMEND_USAGE = `usage: recagent recommend --model-dir DIR --user ID [--k 10] [--json]
  Prints the top-k items the saved model recommends for a user it was trained on (their own items excluded).`;

export async function recommendCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    "model-dir": { type: "string" },
    user: { type: "string" },
    k: { type: "string" },
    json: { type: "boolean", default: false },
  }, RECOMMEND_USAGE);
  const dir = required(args["model-dir"], "--model-dir", RECOMMEND_USAGE);
  const userId = required(args.user, "--user", RECOMMEND_USAGE);
  const k = positiveInt(args.k, "--k", 10);
  const { saved, items } = readModelDir(dir);
  const user = saved.users.indexOf(userId);
  if (user < 0) {
    throw new InputError(`user "${userId}" is not in the model (${saved.users.length} users, e.g. ${saved.users.slice(0, 3).join(", ")})`);
  }
  const model = restoreRecommender(saved.artifact);
  // Scored as the service scores a known user: the training history weighted by the saved recency setting.
  const recency = saved.recency && saved.seenAges ? { matrix: saved.seen, ages: saved.seenAges, recency: saved.recency } : undefined;
  const top = recommend(model, Int32Array.of(user), k, saved.seen, recency);
  const picks = Array.from(top.ids)
    .map((item, r) => ({ item, score: top.scores[r] }))
    .filter((p) => p.item >= 0)
    .map(({ item, score }) => ({ id: items[item].id, title: items[item].title, year: items[item].year, genres: items[item].genres, score }));
  if (args.json) out(JSON.stringify({ user: userId, model: saved.artifact.model, items: picks }));
  else out(formatTable(["#", "title", "year", "genres", "score"], picks.map((p, r) => [String(r + 1), p.title, String(p.year ?? ""), p.genres.join("|"), fixed(p.score)]), 4));
  return 0;
}
