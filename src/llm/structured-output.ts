import { z } from "zod";
import type { OutputMode } from "./config.ts";

/** The response_format values every OpenAI-compatible server we target understands. */
export type ResponseFormat =
  | { type: "json_object" }
  | { type: "json_schema"; json_schema: { name: string; schema: Record<string, unknown>; strict: boolean } };

/**
 * OpenAI's json_schema and json_object modes need an object at the root, so a schema with another root
 * (e.g. an array of labels) is requested wrapped as {"answer": ...}; parseAnswer unwraps it.
 */
const WRAP_KEY = "answer";

/**
 * What to ask for. No schema: free text. "text" mode, or json_object with a non-object root: no response_format,
 * the answer is found in the text. strict is false: OpenAI's strict mode rejects optional properties, while
 * vLLM, llama.cpp and Ollama constrain decoding to the schema either way.
 */
export function responseFormatFor(schema: z.ZodType | undefined, mode: OutputMode, name: string): ResponseFormat | undefined {
  if (schema === undefined || mode === "text") return undefined;
  const { $schema: _dialect, definitions, ...root } = z.toJSONSchema(schema, { target: "draft-7", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  const objectRoot = root.type === "object";
  if (mode === "json_object") return objectRoot ? { type: "json_object" } : undefined;
  const wrapped = objectRoot
    ? root
    : { type: "object", properties: { [WRAP_KEY]: root }, required: [WRAP_KEY], additionalProperties: false };
  return {
    type: "json_schema",
    json_schema: { name: name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64), schema: definitions ? { ...wrapped, definitions } : wrapped, strict: false },
  };
}

export type ParsedAnswer<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * Finds the answer in what the model wrote: the whole text, a fenced code block, or the first balanced
 * JSON object/array that validates against the schema (models add prose, fences and <think> blocks).
 */
export function parseAnswer<T>(text: string, schema: z.ZodType<T>): ParsedAnswer<T> {
  let firstProblem: string | undefined;
  for (const candidate of jsonCandidates(text)) {
    for (const value of [candidate, unwrapped(candidate)]) {
      if (value === undefined) continue;
      const result = schema.safeParse(value);
      if (result.success) return { ok: true, value: result.data };
      firstProblem ??= describeIssue(result.error);
    }
  }
  return { ok: false, problem: firstProblem ?? "no JSON object or array found in the answer" };
}

function unwrapped(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === WRAP_KEY ? (value as Record<string, unknown>)[WRAP_KEY] : undefined;
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  return `answer does not match the schema${where}: ${issue.message}`;
}

/** Parsed JSON values found in the text, most likely first. */
export function* jsonCandidates(text: string): Generator<unknown> {
  const visible = text.replace(/<think>[\s\S]*?<\/think>/g, "").trim();
  const whole = tryParse(visible);
  if (whole.ok) yield whole.value;
  for (const fence of visible.matchAll(/```[A-Za-z]*\s*\n?([\s\S]*?)```/g)) {
    const fenced = tryParse(fence[1].trim());
    if (fenced.ok) yield fenced.value;
  }
  for (let start = 0; start < visible.length; start++) {
    if (visible[start] !== "{" && visible[start] !== "[") continue;
    const end = balancedEnd(visible, start);
    if (end === undefined) continue;
    const span = tryParse(visible.slice(start, end + 1));
    if (!span.ok) continue;
    yield span.value;
    start = end;
  }
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const CLOSERS: Record<string, string> = { "{": "}", "[": "]" };

/** Index of the bracket closing the one at `start`, skipping string contents; undefined if unbalanced. */
function balancedEnd(text: string, start: number): number | undefined {
  const expected: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch in CLOSERS) expected.push(CLOSERS[ch]);
    else if (ch === "}" || ch === "]") {
      if (expected.pop() !== ch) return undefined;
      if (expected.length === 0) return i;
    }
  }
  return undefined;
}
