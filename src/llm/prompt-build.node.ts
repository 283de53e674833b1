import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PromptError, type PromptSource, parsePromptFile } from "./prompt-source.ts";

/*
 * prompts/*.md -> src/llm/prompts.generated.ts. Workers have no file system, so the prompts ship as a
 * TypeScript module; the generated file is committed and a test fails when it is stale.
 */
export const PROMPTS_DIR = "prompts";
export const GENERATED_MODULE = "src/llm/prompts.generated.ts";

const FILE_NAME = /^([a-z0-9-]+)\.v(\d+)\.md$/;

export async function readPromptSources(dir: string): Promise<PromptSource[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".md")).sort();
  const sources: PromptSource[] = [];
  for (const name of names) {
    const parts = FILE_NAME.exec(name);
    if (!parts) throw new PromptError(`${name}: prompt files are named <id>.v<version>.md`);
    const source = parsePromptFile(name, await readFile(join(dir, name), "utf8"));
    if (source.id !== parts[1] || source.version !== parts[2]) {
      throw new PromptError(`${name}: front matter says ${source.id} v${source.version}, the file name says ${parts[1]} v${parts[2]}`);
    }
    sources.push(source);
  }
  return sources.sort((a, b) => a.id.localeCompare(b.id) || Number(a.version) - Number(b.version));
}

export function promptsModuleText(sources: PromptSource[]): string {
  return [
    "// Generated from prompts/*.md by `npm run build:prompts` (scripts/build-prompts.js). Do not edit by hand.",
    'import type { PromptSource } from "./prompt-source.ts";',
    "",
    `export const PROMPT_SOURCES: readonly PromptSource[] = ${JSON.stringify(sources, null, 2)};`,
    "",
  ].join("\n");
}

/** Regenerates the module under `root` (the package directory); returns its path and how many prompts it holds. */
export async function writePromptsModule(root: string): Promise<{ path: string; prompts: number }> {
  const sources = await readPromptSources(join(root, PROMPTS_DIR));
  const path = join(root, GENERATED_MODULE);
  await writeFile(path, promptsModuleText(sources), "utf8");
  return { path, prompts: sources.length };
}
