import { type ChatSimRow, chatSimTable } from "../chat-sim.ts";
import { CHAT_NOTE, type MeasuredRow, type Population, type SuiteReport } from "./report.ts";
import { barChart, escapeXml, type ScatterPoint, scatterChart } from "./svg.ts";
import { populationTable, rowsOf, setupLines, TEXT_COLUMNS } from "./table.ts";

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1rem 0}th,td{border:1px solid #ccc;padding:4px 8px}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}
.notice{background:#fff3cd;border:2px solid #e0a800;padding:1rem;font-weight:bold}figure{margin:1rem 0}`;

/** A self-contained page: the tables of the Markdown report plus inline SVG charts. */
export function renderHtml(report: SuiteReport): string {
  const title = `Eval suite ${report.suite.id} v${report.suite.version}`;
  const body = [`<h1>${escapeXml(title)}</h1>`];
  if (report.notice) body.push(`<p class="notice">${escapeXml(report.notice)}</p>`);
  body.push(`<p>${escapeXml(report.suite.description)}</p>`, `<ul>${setupLines(report).map((l) => `<li>${escapeXml(l)}</li>`).join("")}</ul>`);
  for (const population of report.populations) body.push(populationSection(report, population));
  if (report.chat) body.push(chatSection(report.chat));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head><body>${body.join("\n")}</body></html>\n`;
}

function chatSection(chat: readonly ChatSimRow[]): string {
  const { header, rows } = chatSimTable(chat);
  const head = `<tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join("")}</tr>`).join("");
  return `<h2>Conversational recommendation: simulated users</h2><p>${escapeXml(CHAT_NOTE)}</p><table>${head}${body}</table>`;
}

function populationSection(report: SuiteReport, population: Population): string {
  const { header, rows } = populationTable(report, population);
  const table = `<table><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, k) => `<td${TEXT_COLUMNS.has(header[k]) ? "" : ' class="num"'}>${escapeXml(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
  const measured = rowsOf(report, population).filter((r): r is MeasuredRow => r.status === "ok");
  const charts = [...new Set(measured.map((r) => r.size))].map((size) => {
    const groups = measured.filter((r) => r.size === size).map((r) => ({ label: r.ranker, values: report.metrics.map((m) => ({ value: r.metrics[m].mean, error: r.metrics[m].stderr })) }));
    return barChart(`top-${size} candidates, ${population.users} users (whiskers: ± 1 standard error)`, report.metrics, groups);
  });
  return [`<h2>${escapeXml(population.id)}: ${population.users} users</h2>`, `<p>${escapeXml(population.note)}</p>`, table, ...charts.map((c) => `<figure>${c}</figure>`), qualityVsCost(report, measured, population)].join("\n");
}

/**
 * Quality against cost: USD per 1,000 requests when every price is known, else LLM tokens per request. Only
 * when some ranker spent anything; otherwise every point would sit at 0.
 */
function qualityVsCost(report: SuiteReport, rows: readonly MeasuredRow[], population: Population): string {
  const quality = report.metrics[0];
  const priced = rows.every((r) => r.cost.usdPer1kRequests !== "unknown");
  const cost = (r: MeasuredRow) => (priced ? (r.cost.usdPer1kRequests as number) : r.cost.promptTokensPerRequest + r.cost.completionTokensPerRequest);
  if (!rows.some((r) => cost(r) > 0)) return "<p>No ranker spent LLM calls on these users: there is no cost to plot quality against.</p>";
  const points: ScatterPoint[] = rows.map((r) => ({ label: `${r.ranker} @${r.size}`, x: cost(r), y: r.metrics[quality].mean }));
  const x = priced ? "USD per 1,000 requests" : "LLM tokens per request (prices unknown)";
  return `<figure>${scatterChart(`${quality} vs cost, ${population.users} users`, { x, y: quality }, points)}</figure>`;
}
