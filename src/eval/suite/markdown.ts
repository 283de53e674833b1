import { chatSimTable } from "../chat-sim.ts";
import { CHAT_NOTE, type SuiteReport } from "./report.ts";
import { populationTable, setupLines, TEXT_COLUMNS } from "./table.ts";

const cell = (s: string) => s.replace(/\|/g, "\\|");

export function renderMarkdown(report: SuiteReport): string {
  const out = [`# Eval suite ${report.suite.id} v${report.suite.version}`, ""];
  if (report.notice) out.push(`> **${report.notice}**`, "");
  out.push(report.suite.description, "", ...setupLines(report).map((l) => `- ${l}`), "");
  for (const population of report.populations) {
    const { header, rows } = populationTable(report, population);
    out.push(`## ${population.id}: ${population.users} users`, "", population.note, "");
    out.push(`| ${header.map(cell).join(" | ")} |`, `|${header.map((h) => (TEXT_COLUMNS.has(h) ? "---" : "---:")).join("|")}|`);
    for (const row of rows) out.push(`| ${row.map(cell).join(" | ")} |`);
    out.push("");
  }
  if (report.chat) {
    const { header, rows } = chatSimTable(report.chat);
    out.push("## Conversational recommendation: simulated users", "", CHAT_NOTE, "");
    out.push(`| ${header.map(cell).join(" | ")} |`, `|${header.map((_, c) => (c < 2 ? "---" : "---:")).join("|")}|`);
    for (const row of rows) out.push(`| ${row.map(cell).join(" | ")} |`);
    out.push("");
  }
  return out.join("\n");
}
