// npm run build:worker: export the trained model as the Worker's assets, bundle the Worker, print sizes.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const run = (args) => execFileSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false" } });
run(["bin/recagent.js", "export", "--out", "dist/worker-assets"]);
run(["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--outdir", "dist/worker"]);

const size = (dir) => readdirSync(dir, { recursive: true }).reduce((sum, f) => sum + (statSync(join(dir, f)).isFile() ? statSync(join(dir, f)).size : 0), 0);
console.log(JSON.stringify({ worker_bundle_bytes: size("dist/worker"), worker_assets_bytes: size("dist/worker-assets") }));
