import { parse } from "csv-parse/sync";
import { DataFormatError } from "../core/errors.ts";

export interface DelimitedOptions {
  /** Field separator; "::" (MovieLens 1M) is handled by splitting lines, since CSV quoting does not apply there. */
  delimiter: string;
  /** Skip the first record. */
  header?: boolean;
  /** Name used in error messages. */
  file: string;
}

/** A record with the 1-based line it started on, for error messages. */
export interface LineRecord {
  line: number;
  fields: string[];
}

/**
 * Parses delimited text. Only "," files use RFC 4180 quoting: MovieLens' "\t" and "|" files contain bare
 * quote characters inside titles. A broken quote is an error naming file and line.
 */
export function parseDelimited(text: string, opts: DelimitedOptions): LineRecord[] {
  if (opts.delimiter.length > 1) return splitLines(text, opts);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter: opts.delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
      quote: opts.delimiter === "," ? '"' : false,
      from_line: opts.header ? 2 : 1,
    }) as unknown as typeof records;
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new DataFormatError(opts.file, line, (e as Error).message.replace(/^Invalid Record Length: |^Quote Not Closed: /, ""), e);
  }
  return records.map(({ record, info }) => ({ line: info.lines, fields: record }));
}

function splitLines(text: string, opts: DelimitedOptions): LineRecord[] {
  const out: LineRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = opts.header ? 1 : 0; i < lines.length; i++) {
    if (lines[i] === "") continue;
    out.push({ line: i + 1, fields: lines[i].split(opts.delimiter) });
  }
  return out;
}

/** A field that must parse as a finite number; otherwise the error names the file, line and column. */
export function numberField(rec: LineRecord, index: number, name: string, file: string): number {
  const raw = rec.fields[index];
  if (raw === undefined) throw new DataFormatError(file, rec.line, `missing ${name} (expected at least ${index + 1} fields, found ${rec.fields.length})`);
  const value = raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new DataFormatError(file, rec.line, `${name} "${raw}" is not a number`);
  return value;
}

/** A field that must be present and non-empty. */
export function textField(rec: LineRecord, index: number, name: string, file: string): string {
  const raw = rec.fields[index];
  if (raw === undefined || raw.trim() === "") throw new DataFormatError(file, rec.line, `missing ${name}`);
  return raw.trim();
}
