// npm run build:worker: export the trained model as the Worker's assets, bundle the Worker, print sizes.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const run = (args) => execFileSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false" } });
run(["bin/recagent.js", "export", "--out", "dist/worker-assets"]);
run(["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--outdir", "dist/worker"]);

// What counts against Workers' script limit is the bundle (the source map is not uploaded as code).
const script = readFileSync(join("dist/worker", "worker.js"));
const assets = Object.fromEntries(readdirSync("dist/worker-assets").map((f) => [f, statSync(join("dist/worker-assets", f)).size]));
console.log(
  JSON.stringify({
    worker_script_bytes: script.length,
    worker_script_gzip_bytes: gzipSync(script).length,
    worker_assets_bytes: Object.values(assets).reduce((a, b) => a + b, 0),
    assets,
  }),
);
