import type { Item } from "../core/types.ts";

const TITLE_YEAR = /^(.*?)\s*\((\d{4})(?:[–-]\d{0,4})?\)\s*$/;

/** "Toy Story (1995)" -> { title: "Toy Story", year: 1995 }; a title without a year is kept whole. */
export function splitTitleYear(raw: string): { title: string; year?: number } {
  const m = TITLE_YEAR.exec(raw.trim());
  if (!m) return { title: raw.trim() };
  return { title: m[1], year: Number(m[2]) };
}

/** MovieLens writes "(no genres listed)" for an item without genres. */
export function splitGenres(raw: string | undefined): string[] {
  if (!raw || raw === "(no genres listed)") return [];
  return raw.split("|").map((g) => g.trim()).filter(Boolean);
}

/** The items of a data set by id, in file order. */
export class Catalog {
  private readonly byId = new Map<string, Item>();

  constructor(items: Iterable<Item> = []) {
    for (const item of items) this.byId.set(item.id, item);
  }

  get(id: string): Item | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  items(): IterableIterator<Item> {
    return this.byId.values();
  }

  /** Attaches tags (deduplicated, case-insensitively) to items that exist. */
  addTags(tags: Iterable<{ item: string; tag: string }>): void {
    for (const { item, tag } of tags) {
      const entry = this.byId.get(item);
      if (!entry) continue;
      const t = tag.trim();
      if (t && !entry.tags.some((x) => x.toLowerCase() === t.toLowerCase())) entry.tags.push(t);
    }
  }
}
