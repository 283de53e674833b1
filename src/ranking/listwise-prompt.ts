import { renderPrompt } from "../llm/prompts.ts";
import type { RenderedPrompt } from "../llm/types.ts";
import type { HistoryItem } from "./types.ts";

/** Genres shown per item: enough to tell items apart, short enough to keep 20 candidates cheap. */
const MAX_GENRES = 4;

/**
 * One line per item, short: control characters and runs of whitespace become one space (an item's text is
 * data and must not start a new line of the prompt), the title is cut to `maxTitleChars`, then year and genres.
 */
export function itemLine(item: HistoryItem, maxTitleChars: number): string {
  const flat = item.title.replace(/[\p{Cc}\s]+/gu, " ").trim();
  const title = flat.length > maxTitleChars ? `${flat.slice(0, maxTitleChars - 1).trimEnd()}…` : flat;
  const year = item.year === undefined ? "" : ` (${item.year})`;
  const genres = item.genres?.length ? ` | ${item.genres.slice(0, MAX_GENRES).join(", ")}` : "";
  return `${title}${year}${genres}`;
}

/**
 * The rank-listwise prompt (prompts/rank-listwise.v1.md) for one window: history lines most recent first,
 * candidates labelled 1..n in the order shown. The template puts both inside delimiters and renderPrompt
 * defangs anything shaped like a tag, so an item's text cannot pose as instructions.
 */
export function renderListwisePrompt(historyLines: readonly string[], candidateLines: readonly string[]): Promise<RenderedPrompt> {
  return renderPrompt("rank-listwise", {
    history: historyLines.length === 0 ? "(none)" : historyLines.map((l) => `- ${l}`).join("\n"),
    candidates: candidateLines.map((l, p) => `[${p + 1}] ${l}`).join("\n"),
    count: candidateLines.length,
  });
}
