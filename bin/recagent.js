#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so there is no build step between `npm ci` and `npx recagent`.
import { register } from "tsx/esm/api";

// LanceDB's native logger reads this when the addon loads; its warnings are noise for users.
process.env.LANCEDB_LOG ??= "error";
// With fewer than 3 compute threads LanceDB's full-text index build hangs on large tables (seen at 300k rows).
process.env.LANCE_CPU_THREADS ??= "4";
register();
const { main } = await import("../src/cli/main.node.ts");
process.exitCode = await main(process.argv.slice(2));
