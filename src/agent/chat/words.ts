/**
 * Words of a chat message with their place in it: the rule parser reasons over the normalized forms and
 * hands the original text of a span to title search (whose own tokenizer wants the raw characters).
 */
export interface Word {
  /** Lower-case, accents and apostrophes removed: "Don't" -> "dont", "'90s" -> "90s", "Amélie" -> "amelie". */
  norm: string;
  start: number;
  end: number;
  /** A clause boundary (, ; . ! ?) rather than a word. */
  stop: boolean;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[,;.!?]/gu;

function normalizeWord(raw: string): string {
  return raw
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/['’]/g, "")
    .toLowerCase();
}

export function words(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(WORD)) {
    const stop = /^[,;.!?]$/.test(m[0]);
    if (stop && m[0] === "." && !endsSentence(text, m.index, out[out.length - 1])) continue;
    out.push({ norm: stop ? m[0] : normalizeWord(m[0]), start: m.index, end: m.index + m[0].length, stop });
  }
  return out;
}

/** Abbreviations whose period does not end a sentence: "Mr. Holland's Opus", "Dr. Strangelove". */
const ABBREVIATIONS = new Set(["mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "mt", "ft"]);

/** A period ends a sentence unless a word follows without a space ("E.T", "3.5") or it closes an initial or abbreviation ("M. Butterfly"). */
function endsSentence(text: string, at: number, before: Word | undefined): boolean {
  if (!/^\s/.test(text.slice(at + 1))) return false;
  return !(before && before.end === at && !before.stop && (before.norm.length === 1 || ABBREVIATIONS.has(before.norm)));
}

/** Normalized words of a text, without boundaries: how titles and vocabulary entries are compared. */
export function normWords(text: string): string[] {
  return words(text)
    .filter((w) => !w.stop)
    .map((w) => w.norm);
}

const NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"];

/** "5" -> 5, "five" -> 5; undefined for anything else (including years). */
export function smallNumber(norm: string): number | undefined {
  if (/^\d{1,3}$/.test(norm)) return Number(norm);
  const k = NUMBER_WORDS.indexOf(norm);
  return k > 0 ? k : undefined;
}
