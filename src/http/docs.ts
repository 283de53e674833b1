import type { OpenAPIHono } from "@hono/zod-openapi";

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch] ?? ch);

/** A self-contained page listing every operation of the OpenAPI document (no CDN: it works offline). */
export function docsPage(app: OpenAPIHono): string {
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "recagent", version: "0.1.0" } });
  const rows = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.entries(ops as Record<string, { summary?: string }>).map(
      ([method, op]) => `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${escape(op.summary ?? "")}</td></tr>`,
    ),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>recagent API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}td{padding:.3rem .8rem;border-bottom:1px solid #ddd}</style></head>
<body><h1>recagent API</h1><p>The machine-readable description is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).
Writes need <code>Authorization: Bearer &lt;RECAGENT_API_KEY&gt;</code>.</p><table>${rows.join("")}</table></body></html>`;
}
