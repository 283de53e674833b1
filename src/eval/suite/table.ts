import type { MeanWithError, Population, SuiteReport, SuiteRow } from "./report.ts";

/** The rows of one population, by candidate set size then in suite order. */
export function rowsOf(report: SuiteReport, population: Population): SuiteRow[] {
  return report.rows.filter((r) => r.population === population.id).sort((a, b) => a.size - b.size);
}

const fixed = (x: number, digits: number) => x.toFixed(digits);
export const withError = (m: MeanWithError) => `${fixed(m.mean, 4)} ± ${fixed(m.stderr, 4)}`;

export function usdCell(usd: number | "unknown"): string {
  if (usd === "unknown") return "unknown";
  return usd === 0 ? "$0" : `$${fixed(usd, usd < 1 ? 4 : 2)}`;
}

function servedCell(served: Record<string, number>): string {
  return Object.entries(served)
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => `${label} ${n}`)
    .join(", ");
}

/** Columns that hold text rather than figures (left-aligned). */
export const TEXT_COLUMNS = new Set(["N", "ranker", "served by"]);

/** One table per population, the same for the Markdown and the HTML report. */
export function populationTable(report: SuiteReport, population: Population): { header: string[]; rows: string[][] } {
  const header = ["N", "ranker", ...report.metrics, "ceiling recall@N", "served by", "LLM calls/req", "tokens/req (in+out)", "latency ms mean / p95", "USD / 1k req"];
  const rows = rowsOf(report, population).map((r) => {
    const key = [String(r.size), r.ranker];
    if (r.status === "skipped") return [...key, ...header.slice(2).map((_, c) => (c === 0 ? `skipped: ${r.skipped}` : ""))];
    const c = r.cost;
    return [
      ...key,
      ...report.metrics.map((m) => withError(r.metrics[m])),
      fixed(r.ceiling.mean, 4),
      servedCell(r.served),
      fixed(c.callsPerRequest, 2),
      `${fixed(c.promptTokensPerRequest, 0)}+${fixed(c.completionTokensPerRequest, 0)}`,
      `${fixed(c.latencyMsMean, 1)} / ${fixed(c.latencyMsP95, 1)}`,
      usdCell(c.usdPer1kRequests),
    ];
  });
  return { header, rows };
}

/** The setup lines every report opens with. */
export function setupLines(report: SuiteReport): string[] {
  const c = report.candidates;
  const llm = report.llm;
  const prices = llm.pricesPerMTok === "unknown" ? "prices unknown" : `$${llm.pricesPerMTok.input} / $${llm.pricesPerMTok.output} per 1M tokens in / out`;
  return [
    `Generated ${report.generatedAt}`,
    `Data: ${report.dataset.split} (${report.dataset.testUsers} test users, ${report.dataset.items} items)`,
    `Candidates: top-${c.sizes.join(" and top-")} of ${c.model} (${Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(", ")}), fitted in ${fixed(c.fitSeconds, 1)} s`,
    `LLM: ${llm.enabled ? `${llm.model}${llm.fake ? " (scripted fake)" : ""}, ${prices}` : "not configured (LLM rankers skipped)"}`,
    "± is one standard error over users. Ceiling: recall@N of the candidate set itself, which no reordering of it can exceed on recall@N.",
  ];
}
