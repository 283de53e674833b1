import { ChatPromptTemplate } from "@langchain/core/prompts";
import { AppError } from "../core/errors.ts";

/**
 * A prompt file, prompts/<id>.v<version>.md:
 *
 *   ---
 *   id: rank-listwise
 *   version: 1
 *   description: one line
 *   inputs:
 *     - history: what the caller puts there
 *   ---
 *   ## system
 *   ... {{history}} ...
 *   ## user
 *   ...
 *
 * Bodies are mustache templates ({{name}}; single braces are literal, so JSON examples need no escaping).
 * The declared inputs must be exactly the template's variables.
 */
export interface PromptSource {
  id: string;
  version: string;
  description: string;
  inputs: Array<{ name: string; description: string }>;
  messages: Array<{ role: PromptRole; template: string }>;
}

export type PromptRole = "system" | "user" | "assistant";

/** A prompt file or a render call is wrong; names the prompt and the variable or line at fault. */
export class PromptError extends AppError {
  constructor(message: string) {
    super("prompt_invalid", message);
  }
}

const SECTION = /^## (system|user|assistant)\s*$/;

export function parsePromptFile(fileName: string, text: string): PromptSource {
  const fail = (problem: string) => new PromptError(`${fileName}: ${problem}`);
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!match) throw fail("must start with a front matter block between --- lines");
  const meta = parseFrontMatter(match[1], fail);
  const messages: PromptSource["messages"] = [];
  for (const line of match[2].split(/\r?\n/)) {
    const section = SECTION.exec(line);
    if (section) messages.push({ role: section[1] as PromptRole, template: "" });
    else if (messages.length > 0) messages[messages.length - 1].template += `${line}\n`;
    else if (line.trim() !== "") throw fail(`text before the first "## system" or "## user" section: ${line.slice(0, 60)}`);
  }
  for (const m of messages) m.template = m.template.trim();
  if (messages.length === 0) throw fail('no "## system" / "## user" sections');
  const source = { ...meta, messages };
  compileTemplate(source);
  return source;
}

function parseFrontMatter(block: string, fail: (problem: string) => Error): Omit<PromptSource, "messages"> {
  const fields: Record<string, string> = {};
  const inputs: PromptSource["inputs"] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const item = /^\s+-\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*(.*))?$/.exec(line);
    const field = /^([a-z]+):\s*(.*)$/.exec(line);
    if (item) inputs.push({ name: item[1], description: item[2]?.trim() ?? "" });
    else if (field) fields[field[1]] = field[2].trim();
    else throw fail(`cannot read front matter line: ${line}`);
  }
  for (const required of ["id", "version", "description"]) if (!fields[required]) throw fail(`front matter needs "${required}"`);
  if (!/^\d+$/.test(fields.version)) throw fail(`version must be a whole number, got "${fields.version}"`);
  return { id: fields.id, version: fields.version, description: fields.description, inputs };
}

/** The LangChain template of a prompt; throws when its variables differ from the declared inputs. */
export function compileTemplate(source: PromptSource): ChatPromptTemplate {
  const template = ChatPromptTemplate.fromMessages(
    source.messages.map((m) => [m.role === "user" ? "human" : m.role === "assistant" ? "ai" : "system", m.template] as [string, string]),
    { templateFormat: "mustache" },
  );
  const declared = new Set(source.inputs.map((i) => i.name));
  const used = new Set(template.inputVariables as string[]);
  const name = `${source.id} v${source.version}`;
  for (const v of used) if (!declared.has(v)) throw new PromptError(`Prompt ${name} uses {{${v}}} but does not declare it in inputs`);
  for (const v of declared) if (!used.has(v)) throw new PromptError(`Prompt ${name} declares input "${v}" but never uses it`);
  return template;
}
