import { InputError } from "../core/errors.ts";
import type { InteractionRow, Item, ItemWeight } from "../core/types.ts";
import { type Csr, csrWithSource } from "../data/csr.ts";
import { Interactions, type ValueTransform } from "../data/interactions.ts";
import { AlsRecommender, alsSpec } from "./als.ts";
import type { SavedModel } from "./persist.ts";
import { resolveParams } from "./spec.ts";

/** Factors trained elsewhere: `vectors` is ids.length x dimension, row-major; `source` names them in messages. */
export interface FactorTable {
  ids: readonly string[];
  vectors: Float32Array;
  dimension: number;
  source: string;
}

export interface ImportInput {
  items: FactorTable;
  /** Known users' vectors; users not here but in `interactions` are folded in from their history. */
  users?: FactorTable;
  /** The items file: every factor id must be in it; it gives the model's item order. */
  catalog: readonly Item[];
  /** Histories: what is excluded from known users' lists, and what users without imported vectors are folded in from. */
  interactions?: readonly InteractionRow[];
  weighting?: ValueTransform;
  /** The implicit-ALS fold-in's L2 penalty and confidence (c = 1 + alpha * value): numbers or command-line text; alsSpec's defaults where absent. */
  fold?: { reg?: number | string; alpha?: number | string };
}

export interface ImportedModel {
  saved: SavedModel;
  /** Catalog entries in model order (what writeModelDir stores beside the model). */
  items: Item[];
  model: AlsRecommender;
  report: {
    items: number;
    factors: number;
    importedUsers: number;
    foldedInUsers: number;
    /** Catalog items with no factors: not recommendable from this model. */
    catalogWithoutFactors: number;
    /** Interaction rows naming an item with no factors: left out of histories. */
    skippedRows: number;
  };
}

/**
 * Turns factors from another trainer (Spark MLlib's ALS, `implicit`, anything that writes item vectors) into a
 * saved ALS model, so it is served, folded in and scored by exactly the code that serves our own ALS: a new
 * history's user vector is the implicit-ALS least-squares solution against the imported item factors with this
 * `reg` and `alpha` (AlsRecommender.foldIn). Known users keep their imported vectors; users who appear only in
 * `interactions` get the fold-in of their history as their vector.
 */
export function importFactors(input: ImportInput): ImportedModel {
  const f = input.items.dimension;
  checkTable(input.items, "item");
  if (input.users) {
    checkTable(input.users, "user");
    if (input.users.dimension !== f) {
      throw new InputError(`dimension mismatch: user factors (${input.users.source}) have ${input.users.dimension} values per row, item factors (${input.items.source}) ${f}`);
    }
  }
  const fold = Object.entries(input.fold ?? {}).filter(([, v]) => v !== undefined) as [string, number | string][];
  const params = resolveParams(alsSpec, { factors: f, ...Object.fromEntries(fold) });

  // Items in the catalog's order, each with its imported row.
  const factorRow = new Map(input.items.ids.map((id, r) => [id, r]));
  const catalogIds = new Set(input.catalog.map((item) => item.id));
  const unknown = input.items.ids.filter((id) => !catalogIds.has(id));
  if (unknown.length) {
    throw new InputError(
      `${unknown.length} of ${input.items.ids.length} item ids in ${input.items.source} are not in the items file (e.g. ${unknown.slice(0, 5).join(", ")}): ` +
        "give the items file the factors were trained on, or add those items to it",
    );
  }
  const items = dedupe(input.catalog).filter((item) => factorRow.has(item.id));
  const itemIndex = new Map(items.map((item, i) => [item.id, i]));
  const itemFactors = new Float32Array(items.length * f);
  items.forEach((item, i) => itemFactors.set(input.items.vectors.subarray(factorRow.get(item.id)! * f, (factorRow.get(item.id)! + 1) * f), i * f));

  // Users: the imported ones first, then those only the interactions know.
  const users = [...(input.users?.ids ?? [])];
  const userIndex = new Map(users.map((id, u) => [id, u]));
  const rows = input.interactions ?? [];
  const kept = rows.filter((row) => itemIndex.has(row.item));
  const data = Interactions.fromRows(kept, input.weighting);
  for (const id of data.users.toArray()) if (!userIndex.has(id)) userIndex.set(id, users.push(id) - 1);
  const history = remap(data, userIndex, itemIndex, users.length, items.length);

  const userFactors = new Float32Array(users.length * f);
  if (input.users) userFactors.set(input.users.vectors);
  const foldIn = AlsRecommender.restore({ model: alsSpec.name, params, arrays: { userFactors: new Float32Array(0), itemFactors } });
  const importedUsers = input.users?.ids.length ?? 0;
  for (let u = importedUsers; u < users.length; u++) userFactors.set(foldIn.foldIn(rowHistory(history.seen, u)), u * f);
  const model = AlsRecommender.restore({ model: alsSpec.name, params, arrays: { userFactors, itemFactors } });

  const artifact = model.toArtifact();
  const sources = [input.items.source, ...(input.users ? [input.users.source] : [])];
  return {
    saved: {
      artifact: { ...artifact, meta: { ...artifact.meta, importedFrom: sources } },
      users,
      items: items.map((item) => item.id),
      seen: history.seen,
      seenAges: history.ages,
    },
    items,
    model,
    report: {
      items: items.length,
      factors: f,
      importedUsers,
      foldedInUsers: users.length - importedUsers,
      catalogWithoutFactors: catalogIds.size - items.length,
      skippedRows: rows.length - kept.length,
    },
  };
}

function checkTable(t: FactorTable, kind: "item" | "user"): void {
  if (!t.ids.length) throw new InputError(`${t.source}: no ${kind} factors`);
  if (t.vectors.length !== t.ids.length * t.dimension) {
    throw new InputError(`dimension mismatch: ${t.source} has ${t.ids.length} ${kind} ids but ${t.vectors.length / t.dimension} factor rows of ${t.dimension}`);
  }
  const seen = new Set<string>();
  for (const id of t.ids) {
    if (seen.has(id)) throw new InputError(`${t.source}: ${kind} id ${id} appears twice`);
    seen.add(id);
  }
  for (let k = 0; k < t.vectors.length; k++) {
    if (!Number.isFinite(t.vectors[k])) throw new InputError(`${t.source}: ${kind} ${t.ids[Math.floor(k / t.dimension)]} has a non-finite factor (${t.vectors[k]})`);
  }
}

/** The first entry of each id, in file order (an items file may repeat an id; the catalog keeps one). */
function dedupe(catalog: readonly Item[]): Item[] {
  const seen = new Set<string>();
  return catalog.filter((item) => !seen.has(item.id) && Boolean(seen.add(item.id)));
}

/** `data` re-indexed to the model's user and item order, entry ages carried along. */
function remap(data: Interactions, userIndex: Map<string, number>, itemIndex: Map<string, number>, rows: number, cols: number): { seen: Csr; ages: Int32Array } {
  const m = data.matrix;
  const colOf = Int32Array.from(data.items.toArray(), (id) => itemIndex.get(id)!);
  const r = new Int32Array(m.indices.length);
  const c = new Int32Array(m.indices.length);
  for (let u = 0; u < m.rows; u++) {
    r.fill(userIndex.get(data.users.id(u))!, m.indptr[u], m.indptr[u + 1]);
    for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) c[p] = colOf[m.indices[p]];
  }
  const { csr, source } = csrWithSource(rows, cols, r, c, m.values);
  const ages = data.ages ?? new Int32Array(m.indices.length);
  return { seen: csr, ages: Int32Array.from(source, (p) => ages[p]) };
}

function rowHistory(m: Csr, u: number): ItemWeight[] {
  const out: ItemWeight[] = [];
  for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) out.push({ item: m.indices[p], weight: m.values[p] });
  return out;
}
