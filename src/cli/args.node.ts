import { DEFAULT_RECENCY_FLOOR, NO_RECENCY, type Recency } from "../models/recency.ts";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AppError, InputError } from "../core/errors.ts";
import type { ValueTransform } from "../data/interactions.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Thrown for --help: main prints the usage on stdout and exits 0. */
export class HelpRequested extends AppError {
  constructor(usage: string) {
    super("help", usage, { status: 200 });
  }
}

/** node:util parseArgs, with its errors turned into InputErrors that carry the command's usage. */
export function parseCommand<O extends Options>(argv: string[], options: O, usage: string) {
  if (argv.includes("--help") || argv.includes("-h")) throw new HelpRequested(usage);
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new InputError(`${(e as Error).message}\n\n${usage}`);
  }
}

/** `--set key=value` occurrences; with `model.key=value` the key applies to that model only. */
export function parseSets(sets: readonly string[] | undefined, model: string, models: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const set of sets ?? []) {
    const eq = set.indexOf("=");
    if (eq <= 0) throw new InputError(`--set expects key=value, got "${set}"`);
    const key = set.slice(0, eq);
    const dot = key.indexOf(".");
    if (dot > 0) {
      const target = key.slice(0, dot);
      if (!models.includes(target)) throw new InputError(`--set ${set}: "${target}" is not one of the models being run (${models.join(", ")})`);
      if (target === model) out[key.slice(dot + 1)] = set.slice(eq + 1);
    } else {
      if (models.length > 1) throw new InputError(`--set ${set}: with several models, name the model, e.g. --set ${models[0]}.${set}`);
      out[key] = set.slice(eq + 1);
    }
  }
  return out;
}

export function parseWeight(raw: string | undefined): ValueTransform {
  if (raw === undefined || raw === "binary" || raw === "log" || raw === "bm25") return raw ?? "binary";
  throw new InputError(`--weight must be binary, log or bm25, got "${raw}"`);
}

/** `--tune-budget SECONDS`: a positive number, at most a day. */
export function parseBudget(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const seconds = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    throw new InputError(`--tune-budget expects seconds, a number above 0 and at most 86400, got "${raw}"`);
  }
  return seconds;
}

/** `--recency TAU[,FLOOR]`: recency weighting of histories (models/recency.ts); "off" or 0 turns it off. */
export function parseRecency(raw: string | undefined, fallback: Recency = NO_RECENCY): Recency {
  if (raw === undefined) return fallback;
  if (raw === "off") return NO_RECENCY;
  const [tau, floor = String(DEFAULT_RECENCY_FLOOR)] = raw.split(",");
  const r = { tau: Number(tau), floor: Number(floor) };
  if (!Number.isFinite(r.tau) || r.tau < 0 || !Number.isFinite(r.floor) || r.floor < 0 || r.floor > 1 || raw.split(",").length > 2) {
    throw new InputError(`--recency expects TAU[,FLOOR] with TAU >= 0 (positions; 0 = off) and FLOOR in [0, 1], or "off"; got "${raw}"`);
  }
  return r;
}

export function required(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value === "") throw new InputError(`missing ${flag}\n\n${usage}`);
  return value;
}

export function positiveInt(raw: string | undefined, flag: string, fallback: number, max = 1000): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InputError(`${flag} must be an integer in [1, ${max}], got "${raw}"`);
  return n;
}

/**
 * Runs a script's main and exits: --help prints the usage (exit 0); a user error prints one line, no stack
 * (exit 2); anything else is a bug and is thrown.
 */
export function runScript(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      if (AppError.isInstance(e) && e.code === "help") {
        console.log(e.message);
        process.exit(0);
      }
      if (AppError.isInstance(e) && e.status < 500) {
        process.stderr.write(`${name}: ${e.message}\n`);
        process.exit(2);
      }
      throw e;
    },
  );
}
