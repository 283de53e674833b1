import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { writeBuild } from "../entry/artifacts.node.ts";
import { publishNewBuild } from "../entry/model-versions.node.ts";
import { DataFormatError, InputError } from "../core/errors.ts";
import { readText } from "../data/files.node.ts";
import { parseInteractions, parseItems } from "../data/generic.ts";
import { parseIdList, parseNpy } from "../data/npy.ts";
import { readSparkFactors } from "../data/parquet-factors.node.ts";
import { alsSpec } from "../models/als.ts";
import { type FactorTable, importFactors } from "../models/imported.ts";
import { parseCommand, parseWeight, required } from "./args.node.ts";
import { objectStoreFor } from "../store/store-location.node.ts";
import { writeModelDir } from "./model-dir.node.ts";

export const IMPORT_USAGE = `usage: recagent import (--parquet PATH | --npy FILE --ids FILE [--user-npy FILE --user-ids FILE])
                       --items FILE [--interactions FILE [--weight binary|log|bm25]] [--reg R] [--alpha A]
                       (--out DIR | --publish STORE)
  Turns factors trained elsewhere into a model directory that recagent recommend (and the service's code) serves
  like a model of its own: an ALS model whose item vectors are the imported ones. A history it never saw is
  folded in by the implicit-ALS normal equations against those item vectors, with --reg and --alpha.
  --parquet PATH       the directory Spark MLlib's ALSModel.save wrote (itemFactors/ and, if present,
                       userFactors/: Parquet part files with columns id and features), one such factors
                       directory, or one .parquet file of item factors
  --npy FILE --ids FILE   an items x factors matrix (float32 or float64) and its row ids, one per line;
                       --user-npy/--user-ids the same for users
  --items FILE         the catalog (as for train): every factor id must be in it
  --interactions FILE  histories (as for train): excluded from known users' lists; users without imported
                       vectors are folded in from them
  --reg R              L2 penalty of the fold-in (default ${alsSpec.params.reg.default}, as our ALS; Spark multiplies its regParam by
                       each user's interaction count, so regParam x a typical history length matches it)
  --alpha A            confidence of an interaction, c = 1 + A * value (default ${alsSpec.params.alpha.default}, as our ALS;
                       Spark's alpha has this same meaning)
  --out DIR            the model directory (for recagent recommend)
  --publish STORE      instead, a folder or s3://bucket/prefix: build what a replica serves around the imported
                       model (content map, the catalog's items without factors onboarded from their content) and
                       publish it as the store's current version; recagent serve --store STORE serves it`;

export async function importCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    parquet: { type: "string" },
    npy: { type: "string" },
    ids: { type: "string" },
    "user-npy": { type: "string" },
    "user-ids": { type: "string" },
    items: { type: "string" },
    interactions: { type: "string" },
    weight: { type: "string" },
    reg: { type: "string" },
    alpha: { type: "string" },
    out: { type: "string" },
    publish: { type: "string" },
  }, IMPORT_USAGE);
  if (args.out !== undefined && args.publish !== undefined) throw new InputError(`give --out DIR or --publish STORE, not both\n\n${IMPORT_USAGE}`);
  const outDir = args.publish === undefined ? required(args.out, "--out", IMPORT_USAGE) : undefined;
  const itemsFile = required(args.items, "--items", IMPORT_USAGE);
  if (Boolean(args.parquet) === Boolean(args.npy)) throw new InputError(`give exactly one of --parquet or --npy\n\n${IMPORT_USAGE}`);
  if (args.parquet && (args.ids || args["user-npy"] || args["user-ids"])) throw new InputError("--ids, --user-npy and --user-ids go with --npy; a Parquet file carries its ids");
  if (Boolean(args["user-npy"]) !== Boolean(args["user-ids"])) throw new InputError("--user-npy and --user-ids go together: the matrix and its row ids");
  if (args.weight !== undefined && !args.interactions) throw new InputError("--weight weights the --interactions values: give --interactions too");

  const catalog = parseItems(readText(itemsFile), itemsFile);
  const interactions = args.interactions ? parseInteractions(readText(args.interactions), args.interactions) : undefined;
  let items: FactorTable;
  let users: FactorTable | undefined;
  if (args.parquet) {
    ({ items, users } = await readSparkFactors(args.parquet));
  } else {
    items = readNpyFactors(args.npy!, required(args.ids, "--ids", IMPORT_USAGE));
    users = args["user-npy"] ? readNpyFactors(args["user-npy"], args["user-ids"]!) : undefined;
  }
  const imported = importFactors({
    items,
    users,
    catalog,
    interactions,
    weighting: parseWeight(args.weight),
    fold: { reg: args.reg, alpha: args.alpha },
  });
  const r = imported.report;
  const { reg: usedReg, alpha: usedAlpha } = imported.model.params;
  let savedTo: string;
  if (outDir !== undefined) {
    writeModelDir(outDir, imported.saved, imported.items);
    savedTo = `saved to ${outDir}`;
  } else {
    const store = objectStoreFor(args.publish!, process.env);
    const describes = { source: resolve(items.source), model: "als", tune: false, params: { ...imported.model.params }, chosen: `imported factors (${r.factors}) from ${items.source}` };
    const pointer = await publishNewBuild(store, (dir) => writeBuild(dir, { model: imported.model, saved: imported.saved, items: imported.items, catalog, describes }, out), () => {});
    savedTo = `published as model version ${pointer.version} to ${store.url}; it is current`;
  }

  out(
    `imported ${r.items} items x ${r.factors} factors from ${items.source}` +
      `${r.importedUsers ? `, ${r.importedUsers} user vectors from ${users!.source}` : ""}` +
      `${r.foldedInUsers ? `, ${r.foldedInUsers} users folded in from ${args.interactions}` : ""}; fold-in reg ${usedReg}, alpha ${usedAlpha}; ${savedTo}`,
  );
  if (r.catalogWithoutFactors) out(`note: ${r.catalogWithoutFactors} items of ${itemsFile} have no factors; this model cannot recommend them`);
  if (r.skippedRows) out(`note: ${r.skippedRows} rows of ${args.interactions} name items without factors; they are left out of the histories`);
  return 0;
}

function readNpyFactors(matrixFile: string, idsFile: string): FactorTable {
  if (!existsSync(matrixFile)) throw new DataFormatError(matrixFile, undefined, "file not found");
  if (statSync(matrixFile).isDirectory()) throw new DataFormatError(matrixFile, undefined, "is a directory, expected an .npy file");
  const matrix = parseNpy(new Uint8Array(readFileSync(matrixFile)), matrixFile);
  const ids = parseIdList(readText(idsFile), idsFile);
  if (ids.length !== matrix.rows) {
    throw new InputError(`dimension mismatch: ${matrixFile} has ${matrix.rows} rows (shape ${matrix.rows} x ${matrix.cols}) but ${idsFile} lists ${ids.length} ids; one id per row, in row order`);
  }
  return { ids, vectors: matrix.data, dimension: matrix.cols, source: matrixFile };
}
