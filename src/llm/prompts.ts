import type { ChatPromptTemplate } from "@langchain/core/prompts";
import { compileTemplate, PromptError, type PromptRole, type PromptSource } from "./prompt-source.ts";
import { PROMPT_SOURCES } from "./prompts.generated.ts";
import type { RenderedPrompt } from "./types.ts";

/** Values for a prompt's inputs. All of them are data: templates own every instruction. */
export type PromptVars = Record<string, string | number>;

/** A prompt by id: the latest version, or the one asked for. */
export function getPrompt(id: string, version?: string): PromptSource {
  const versions = PROMPT_SOURCES.filter((p) => p.id === id);
  if (versions.length === 0) throw new PromptError(`Unknown prompt "${id}" (known: ${[...new Set(PROMPT_SOURCES.map((p) => p.id))].join(", ")})`);
  if (version === undefined) return versions.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a));
  const exact = versions.find((p) => p.version === version);
  if (!exact) throw new PromptError(`Prompt "${id}" has no version ${version} (has ${versions.map((p) => p.version).join(", ")})`);
  return exact;
}

const compiled = new Map<PromptSource, ChatPromptTemplate>();

/**
 * Renders a prompt into chat messages. Every declared input must be given and nothing else
 * (a typo would otherwise render an empty slot silently).
 */
export async function renderPrompt(id: string, vars: PromptVars, version?: string): Promise<RenderedPrompt> {
  const source = getPrompt(id, version);
  const name = `${source.id} v${source.version}`;
  const declared = new Set(source.inputs.map((i) => i.name));
  for (const input of declared) if (!(input in vars)) throw new PromptError(`Prompt ${name}: missing variable "${input}"`);
  for (const given of Object.keys(vars)) if (!declared.has(given)) throw new PromptError(`Prompt ${name}: unexpected variable "${given}"`);

  let template = compiled.get(source);
  if (!template) compiled.set(source, (template = compileTemplate(source)));
  const values = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, defangTags(String(v))]));
  const messages = await template.formatMessages(values);
  return {
    id: source.id,
    version: source.version,
    messages: messages.map((m, i) => ({ role: source.messages[i].role satisfies PromptRole, content: String(m.content) })),
  };
}

/**
 * Untrusted text (titles, descriptions, chat messages) sits inside <tag>...</tag> delimiters in the templates.
 * A value that contained "</candidates>" could close its block early and pose as instructions, so anything
 * shaped like a tag gets a look-alike bracket: the model still reads the text, but it cannot end a block.
 */
export function defangTags(value: string): string {
  return value.replace(/<(?=\/?[A-Za-z])/g, "‹");
}
