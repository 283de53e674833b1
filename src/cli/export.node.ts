import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { restoreServedModels } from "../agent/assemble.ts";
import { ensureArtifacts } from "../entry/artifacts.node.ts";
import { serviceConfig } from "../entry/node.ts";
import { WORKER_FILES } from "../entry/worker-artifact.ts";
import { writeVectorizeNdjson } from "../index/vectorize-export.node.ts";
import { encodeModel } from "../models/persist.ts";
import { HelpRequested, required } from "./args.node.ts";

export const EXPORT_USAGE = `usage: recagent export --out DIR [--vectorize FILE.ndjson] [the data and model options of recagent serve]
  Writes what the Cloudflare Worker serves (model, items, content map, catalog changes) into DIR,
  training first if no build exists. npm run build:worker exports into dist/worker-assets.
  --vectorize: also writes the item vectors for a Vectorize index, for wrangler vectorize insert INDEX --file
  FILE.ndjson (files of at most 100,000 vectors: FILE-001.ndjson ... beyond that; README, Vectorize).`;

export async function exportCommand(argv: string[], out: (line: string) => void): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) throw new HelpRequested(EXPORT_USAGE);
  const at = argv.indexOf("--out");
  const dir = required(at >= 0 ? argv[at + 1] : undefined, "--out", EXPORT_USAGE);
  const afterOut = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : argv;
  const vat = afterOut.indexOf("--vectorize");
  const vectorizeFile = vat >= 0 ? required(afterOut[vat + 1], "--vectorize", EXPORT_USAGE) : undefined;
  const rest = vat >= 0 ? [...afterOut.slice(0, vat), ...afterOut.slice(vat + 2)] : afterOut;
  const artifacts = await ensureArtifacts(serviceConfig(rest, process.env), (line) => process.stderr.write(`${line}\n`));
  const { header, body } = encodeModel(artifacts.saved);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, WORKER_FILES.header), header);
  writeFileSync(join(dir, WORKER_FILES.body), body);
  writeFileSync(join(dir, WORKER_FILES.items), JSON.stringify(artifacts.items));
  writeFileSync(join(dir, WORKER_FILES.contentMap), JSON.stringify(artifacts.contentMap));
  writeFileSync(join(dir, WORKER_FILES.catalog), JSON.stringify(artifacts.catalogLog.replay()));
  for (const name of [WORKER_FILES.companionHeader, WORKER_FILES.companionBody]) rmSync(join(dir, name), { force: true });
  if (artifacts.companion) {
    const companion = encodeModel(artifacts.companion);
    writeFileSync(join(dir, WORKER_FILES.companionHeader), companion.header);
    writeFileSync(join(dir, WORKER_FILES.companionBody), companion.body);
  }
  if (vectorizeFile !== undefined) {
    const { space } = restoreServedModels(artifacts.saved, artifacts.companion);
    const files = await writeVectorizeNdjson(vectorizeFile, artifacts.items, space.itemVectors(), space.factors);
    out(`wrote ${artifacts.items.length} vectors of dimension ${space.factors} for Vectorize to ${files.join(", ")}`);
  }
  out(`exported ${artifacts.manifest.model} (${artifacts.manifest.items} items, ${(body.byteLength / 1e6).toFixed(1)} MB of arrays) to ${dir}`);
  return 0;
}
