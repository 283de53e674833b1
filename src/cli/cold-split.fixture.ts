import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const data = new URL("../../data/", import.meta.url).pathname;

/** A small P2 set-up in a temporary directory: the first 40 users' ratings and train rows, the full movies.csv, and ten cold items they rated. */
export function smallColdSplit(): { dir: string; ml: string; args: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "recagent-cold-"));
  const ml = join(dir, "ml");
  mkdirSync(ml);
  const firstUsers = (text: string, sep: string) => text.split("\n").filter((l) => l && Number(l.split(sep)[0]) <= 40);
  const [header, ...ratings] = readFileSync(join(data, "ml-latest-small/ratings.csv"), "utf8").split("\n");
  writeFileSync(join(ml, "ratings.csv"), `${[header, ...firstUsers(ratings.join("\n"), ",")].join("\n")}\n`);
  copyFileSync(join(data, "ml-latest-small/movies.csv"), join(ml, "movies.csv"));
  writeFileSync(join(dir, "train.tsv"), `${firstUsers(readFileSync(join(data, "splits/ml-latest-small/train.tsv"), "utf8"), "\t").join("\n")}\n`);
  writeFileSync(join(dir, "cold.txt"), "1\n2 3\n6\n10\n32\n47\n50\n110\n260\n");
  return { dir, ml, args: ["--movielens", ml, "--train", join(dir, "train.tsv"), "--cold", join(dir, "cold.txt")] };
}
