import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { DataFormatError } from "../core/errors.ts";
import type { Item } from "../core/types.ts";
import { decodeModel, encodeModel, type SavedModel } from "../models/persist.ts";

const HEADER = "model.json";
const BODY = "model.bin";
const ITEMS = "items.json";

/**
 * Writes a model directory whole or not at all: files go to a sibling temp directory that is renamed into
 * place, so a kill mid-write never leaves a half-written model where a reader would find it.
 */
export function writeModelDir(dir: string, saved: SavedModel, items: readonly (Item | undefined)[]): void {
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  const temp = `${target}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp);
  const { header, body } = encodeModel(saved);
  writeFileSync(join(temp, HEADER), header);
  writeFileSync(join(temp, BODY), body);
  writeFileSync(join(temp, ITEMS), JSON.stringify(items.map((item, k) => item ?? { id: saved.items[k], title: saved.items[k], genres: [], tags: [] })));
  const old = `${target}.old-${process.pid}`;
  if (existsSync(target)) renameSync(target, old);
  renameSync(temp, target);
  rmSync(old, { recursive: true, force: true });
}

export function readModelDir(dir: string): { saved: SavedModel; items: Item[] } {
  const at = (f: string) => join(dir, f);
  for (const f of [HEADER, BODY, ITEMS]) {
    if (!existsSync(at(f))) throw new DataFormatError(at(f), undefined, "missing: is this a directory written by `recagent train --out`?");
  }
  const saved = decodeModel(readFileSync(at(HEADER), "utf8"), new Uint8Array(readFileSync(at(BODY))), at(HEADER));
  let items: Item[];
  try {
    items = JSON.parse(readFileSync(at(ITEMS), "utf8"));
  } catch (e) {
    throw new DataFormatError(at(ITEMS), undefined, `not valid JSON (${(e as Error).message})`);
  }
  return { saved, items };
}
