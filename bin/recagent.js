#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so there is no build step between `npm ci` and `npx recagent`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.node.ts");
process.exitCode = await main(process.argv.slice(2));
