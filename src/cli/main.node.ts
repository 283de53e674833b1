import { AppError } from "../core/errors.ts";
import { useWorkerThreads } from "../numeric/kernel-pool.node.ts";
import { serveCommand } from "../entry/node.ts";
import { evalCommand } from "./eval.node.ts";
import { exportCommand } from "./export.node.ts";
import { importCommand } from "./import.node.ts";
import { evalColdCommand } from "./eval-cold.node.ts";
import { evalWarmCommand } from "./eval-warm.node.ts";
import { enrichCommand } from "./enrich.node.ts";
import { evalRatingCommand } from "./eval-rating.node.ts";
import { recommendCommand } from "./recommend.node.ts";
import { trainCommand } from "./train.node.ts";
import { tuneCommand } from "./tune.node.ts";

type Command = (argv: string[], out: (line: string) => void) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  serve: { run: serveCommand, summary: "train on first start, then serve the HTTP API (the main job)" },
  eval: { run: evalCommand, summary: "top-N evaluation by protocol P1 (one model or a comparison table)" },
  "eval-rating": { run: evalRatingCommand, summary: "rating prediction by protocol P3 (RMSE, MAE)" },
  "eval-cold": { run: evalColdCommand, summary: "cold-start items by protocol P2, through the onboarding code path" },
  "eval-warm": { run: evalWarmCommand, summary: "how fast an onboarded item's feedback takes over from its content" },
  enrich: { run: enrichCommand, summary: "derive item metadata from item text for a whole catalog (LLM or rules)" },
  train: { run: trainCommand, summary: "train a model on a data set and save it to a directory" },
  tune: { run: tuneCommand, summary: "choose hyper-parameters by grid search on a validation split carved from train" },
  export: { run: exportCommand, summary: "write the model and catalog the Cloudflare Worker serves" },
  recommend: { run: recommendCommand, summary: "print recommendations for a user from a saved model" },
  import: { run: importCommand, summary: "save factors trained elsewhere (Spark ALS Parquet, .npy) as a model to serve" },
};

const FITTING = new Set(["eval", "train", "tune", "serve", "export"]);

const USAGE = `usage: recagent <command> [options]   (recagent <command> --help for its options)
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`).join("\n")}`;

/** Runs one CLI command; returns the exit code. User errors print one line (no stack) and exit 2. */
export async function main(argv: string[], out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`recagent: unknown command "${name}"; valid: ${Object.keys(COMMANDS).join(", ")}\n`);
    return 2;
  }
  // Both cores for the WebAssembly kernels (ALS, two-tower training); commands that fit nothing skip the threads' start-up.
  if (FITTING.has(name)) useWorkerThreads();
  try {
    return await command.run(rest, out);
  } catch (e) {
    if (AppError.isInstance(e) && e.code === "help") {
      out(e.message);
      return 0;
    }
    if (AppError.isInstance(e) && e.status < 500) {
      process.stderr.write(`recagent ${name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
