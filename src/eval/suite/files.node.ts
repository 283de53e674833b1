import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DataFormatError, InputError } from "../../core/errors.ts";
import { loadDataset, readSplitFile, readText } from "../../data/files.node.ts";
import { p1Data } from "../p1.ts";
import { SuiteDefinition } from "./definition.ts";
import { renderHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";
import type { SuiteReport } from "./report.ts";
import type { SuiteData } from "./run.ts";

export const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const SUITES_DIR = join(PACKAGE_ROOT, "evals", "suites");

/** A suite by id (its latest version in evals/suites/, e.g. quick -> quick.v1.json) or by file path. */
export function loadSuite(idOrPath: string): SuiteDefinition {
  const file = idOrPath.endsWith(".json") ? resolve(idOrPath) : latestSuiteFile(idOrPath);
  const text = readText(file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DataFormatError(file, undefined, `not JSON: ${(e as Error).message}`, e);
  }
  const parsed = SuiteDefinition.safeParse(raw);
  if (!parsed.success) throw new DataFormatError(file, undefined, parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
  return parsed.data;
}

function latestSuiteFile(id: string): string {
  const versions = readdirSync(SUITES_DIR)
    .map((name) => new RegExp(`^${id.replace(/[^a-z0-9-]/g, "")}\\.v(\\d+)\\.json$`).exec(name))
    .filter((m) => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  if (versions.length === 0) {
    const known = readdirSync(SUITES_DIR).filter((n) => n.endsWith(".json"));
    throw new InputError(`no suite "${id}" in ${SUITES_DIR}; known: ${known.join(", ")} (or give a path to a .json file)`);
  }
  return join(SUITES_DIR, versions[0][0]);
}

/** The suite's split (relative paths from the package root) and the titles of its catalog. */
export function loadSuiteData(def: SuiteDefinition): SuiteData {
  const dir = isAbsolute(def.dataset.split) ? def.dataset.split : join(PACKAGE_ROOT, def.dataset.split);
  const p1 = p1Data(readSplitFile(join(dir, "train.tsv")), readSplitFile(join(dir, "test.tsv")));
  const catalog = loadDataset(def.dataset.catalog).catalog;
  const items = p1.train.items.toArray().map((id) => catalog.get(id) ?? { id, title: id, genres: [], tags: [] });
  return { name: def.dataset.split, p1, items };
}

/** Writes report.json, report.md and report.html into `dir`; returns their paths. */
export function writeReports(report: SuiteReport, dir: string): { json: string; markdown: string; html: string } {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const paths = { json: join(dir, "report.json"), markdown: join(dir, "report.md"), html: join(dir, "report.html") };
  writeFileSync(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(paths.markdown, renderMarkdown(report));
  writeFileSync(paths.html, renderHtml(report));
  return paths;
}
