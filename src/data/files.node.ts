import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DataFormatError, InputError } from "../core/errors.ts";
import type { InteractionRow } from "../core/types.ts";
import { Catalog } from "./catalog.ts";
import { parseDelimited } from "./delimited.ts";
import { parseInteractions, parseItems } from "./generic.ts";
import { type Dataset, interactionRows, parseMovieLens100K, parseMovieLens1M, parseMovieLensLatest } from "./movielens.ts";

/** The data sets shipped in the repository's data/ folder. */
export const BUNDLED_DATA = fileURLToPath(new URL("../../data/", import.meta.url));
export const BUNDLED_DATASETS = ["ml-latest-small"] as const;

export function readText(file: string, encoding: "utf8" | "latin1" = "utf8"): string {
  if (!existsSync(file)) throw new DataFormatError(file, undefined, "file not found");
  if (statSync(file).isDirectory()) throw new DataFormatError(file, undefined, "is a directory, expected a file");
  return readFileSync(file, encoding);
}

/** A split file as written by `splitByUser`: user, item, value, timestamp; tab-separated, no header. */
export function readSplitFile(file: string): InteractionRow[] {
  return interactionRows(parseDelimited(readText(file), { delimiter: "\t", file }), file);
}

/**
 * A data set by bundled name or by directory, whose layout is recognised: MovieLens latest (ratings.csv,
 * movies.csv, tags.csv), MovieLens 1M (ratings.dat, movies.dat) or MovieLens 100K (u.data, u.item).
 */
export function loadDataset(nameOrDir: string): Dataset {
  const dir = (BUNDLED_DATASETS as readonly string[]).includes(nameOrDir) ? join(BUNDLED_DATA, nameOrDir) : resolve(nameOrDir);
  const at = (f: string) => join(dir, f);
  const name = dir.split(/[\\/]/).filter(Boolean).pop() ?? nameOrDir;
  if (existsSync(at("ratings.csv"))) {
    return parseMovieLensLatest(name, {
      ratings: readText(at("ratings.csv")),
      movies: readText(at("movies.csv")),
      tags: existsSync(at("tags.csv")) ? readText(at("tags.csv")) : undefined,
    });
  }
  if (existsSync(at("ratings.dat"))) {
    return parseMovieLens1M(name, { ratings: readText(at("ratings.dat"), "latin1"), movies: readText(at("movies.dat"), "latin1") });
  }
  if (existsSync(at("u.data"))) {
    return parseMovieLens100K(name, {
      data: readText(at("u.data")),
      item: readText(at("u.item"), "latin1"),
      genre: existsSync(at("u.genre")) ? readText(at("u.genre"), "latin1") : undefined,
    });
  }
  throw new InputError(
    `no data set at "${nameOrDir}": expected a bundled name (${BUNDLED_DATASETS.join(", ")}) or a directory with ` +
      "ratings.csv + movies.csv (MovieLens latest), ratings.dat + movies.dat (1M) or u.data + u.item (100K)",
  );
}

/** A generic interactions file (TSV, CSV or JSONL) with an optional items file. */
export function loadInteractionFiles(interactions: string, items?: string): Dataset {
  return {
    name: interactions,
    rows: parseInteractions(readText(interactions), interactions),
    catalog: new Catalog(items ? parseItems(readText(items), items) : []),
  };
}
