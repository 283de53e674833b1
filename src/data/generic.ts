import { z } from "zod";
import { itemAttributesSchema } from "../core/attributes.ts";
import { DataFormatError } from "../core/errors.ts";
import type { InteractionRow, Item } from "../core/types.ts";
import { splitGenres, splitTitleYear } from "./catalog.ts";
import { type LineRecord, numberField, parseDelimited, textField } from "./delimited.ts";

export type TableFormat = "csv" | "tsv" | "jsonl";

export function formatOf(file: string): TableFormat {
  const ext = file.toLowerCase().split(".").pop();
  if (ext === "csv" || ext === "tsv" || ext === "jsonl") return ext;
  if (ext === "json" || ext === "ndjson") return "jsonl";
  return "tsv";
}

/**
 * Interactions: user, item, value?, timestamp? per row. CSV/TSV may start with a header naming the columns
 * (user, item, value, timestamp, in any order; "rating" and "count" are accepted for value); without one the
 * columns are positional. A missing value is 1 and a missing timestamp is the row's position.
 */
export function parseInteractions(text: string, file: string, format = formatOf(file)): InteractionRow[] {
  if (format === "jsonl") return jsonLines(text, file, interactionSchema).map(({ value: row, line }) => fromObject(row, line));
  const records = parseDelimited(text, { delimiter: format === "csv" ? "," : "\t", file });
  const columns = headerColumns(records[0]);
  const body = columns ? records.slice(1) : records;
  const at = columns ?? { user: 0, item: 1, value: 2, timestamp: 3 };
  return body.map((rec) => ({
    user: textField(rec, at.user, "user", file),
    item: textField(rec, at.item, "item", file),
    value: optionalNumber(rec, at.value, "value", file) ?? 1,
    timestamp: optionalNumber(rec, at.timestamp, "timestamp", file) ?? rec.line,
  }));
}

const VALUE_NAMES = ["value", "rating", "count", "weight"];

function headerColumns(first: LineRecord | undefined): { user: number; item: number; value: number; timestamp: number } | undefined {
  if (!first) return undefined;
  const names = first.fields.map((f) => f.trim().toLowerCase());
  const user = names.findIndex((n) => n === "user" || n === "user_id" || n === "userid");
  const item = names.findIndex((n) => n === "item" || n === "item_id" || n === "itemid");
  if (user < 0 || item < 0) return undefined;
  return {
    user,
    item,
    value: names.findIndex((n) => VALUE_NAMES.includes(n)),
    timestamp: names.findIndex((n) => n === "timestamp" || n === "ts" || n === "time"),
  };
}

function optionalNumber(rec: LineRecord, index: number, name: string, file: string): number | undefined {
  if (index < 0 || rec.fields[index] === undefined || rec.fields[index].trim() === "") return undefined;
  return numberField(rec, index, name, file);
}

const id = z.union([z.string().min(1), z.number()]).transform(String);
const interactionSchema = z.object({
  user: id,
  item: id,
  value: z.number().finite().optional(),
  timestamp: z.number().finite().optional(),
});

function fromObject(row: z.infer<typeof interactionSchema>, line: number): InteractionRow {
  return { user: row.user, item: row.item, value: row.value ?? 1, timestamp: row.timestamp ?? line };
}

const listField = z.union([z.array(z.string()), z.string().transform((s) => splitGenres(s))]);
const itemSchema = z.object({
  id,
  title: z.string().min(1),
  year: z.number().int().optional(),
  text: z.string().optional(),
  description: z.string().optional(),
  genres: listField.optional(),
  tags: listField.optional(),
  attributes: itemAttributesSchema.optional(),
});

/**
 * Items: id, title, and any of year, text (or description), genres, tags ("|"-separated in CSV/TSV) and
 * attributes (an object of name -> string | number | boolean | list of strings). In CSV/TSV an attribute is a
 * column headed "attr.NAME" (other columns are ignored, so an id column of another system never becomes content).
 */
export function parseItems(text: string, file: string, format = formatOf(file)): Item[] {
  if (format === "jsonl") return jsonLines(text, file, itemSchema).map(({ value }) => toItem(value));
  const records = parseDelimited(text, { delimiter: format === "csv" ? "," : "\t", file });
  const header = (records[0]?.fields ?? []).map((f) => f.trim());
  const names = header.map((f) => f.toLowerCase());
  if (!names.includes("id") || !names.includes("title")) {
    throw new DataFormatError(file, 1, `an items file needs a header with at least "id" and "title" (found: ${names.join(", ") || "nothing"})`);
  }
  return records.slice(1).map((rec) => {
    const obj: Record<string, unknown> = {};
    const attributes: Record<string, unknown> = {};
    names.forEach((name, k) => {
      const v = rec.fields[k];
      if (v === undefined || v.trim() === "") return;
      if (name.startsWith(ATTRIBUTE_COLUMN)) attributes[header[k].slice(ATTRIBUTE_COLUMN.length)] = attributeCell(v);
      else obj[name] = name === "year" ? numberField(rec, k, "year", file) : v;
    });
    if (Object.keys(attributes).length > 0) obj.attributes = attributes;
    const parsed = itemSchema.safeParse(obj);
    if (!parsed.success) throw new DataFormatError(file, rec.line, describeIssues(parsed.error));
    return toItem(parsed.data);
  });
}

const ATTRIBUTE_COLUMN = "attr.";

/**
 * A CSV/TSV cell as an attribute value: a plain decimal number (no leading zeros, so a code like "02139" stays
 * text), true or false, a "|"-separated list, or else the text itself.
 */
function attributeCell(cell: string): string | number | boolean | string[] {
  const v = cell.trim();
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(v)) return Number(v);
  if (v === "true" || v === "false") return v === "true";
  if (v.includes("|")) return v.split("|").map((part) => part.trim()).filter((part) => part !== "");
  return v;
}

function toItem(v: z.infer<typeof itemSchema>): Item {
  const fromTitle = splitTitleYear(v.title);
  return {
    id: v.id,
    title: v.year === undefined ? fromTitle.title : v.title,
    year: v.year ?? fromTitle.year,
    genres: v.genres ?? [],
    tags: v.tags ?? [],
    text: v.text ?? v.description,
    ...(v.attributes && Object.keys(v.attributes).length > 0 && { attributes: v.attributes }),
  };
}

function jsonLines<T>(text: string, file: string, schema: z.ZodType<T>): Array<{ value: T; line: number }> {
  const out: Array<{ value: T; line: number }> = [];
  text.split(/\r?\n/).forEach((raw, k) => {
    if (raw.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw new DataFormatError(file, k + 1, `not valid JSON (${(e as Error).message})`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new DataFormatError(file, k + 1, describeIssues(parsed.error));
    out.push({ value: parsed.data, line: k + 1 });
  });
  return out;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "row"}: ${i.message}`).join("; ");
}
