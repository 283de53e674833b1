import type { Item } from "../core/types.ts";
import type { IndexedItem } from "../index/types.ts";

/**
 * The catalog in memory, mirroring the index: titles for reasons, items for the popular fallback, and the
 * vectors of onboarded items (trained items' vectors live in the model). Small next to the model itself.
 */
export class ItemStore {
  private readonly items = new Map<string, Item>();
  private readonly onboardedVectors = new Map<string, Float32Array>();

  constructor(items: Iterable<Item> = []) {
    for (const item of items) this.items.set(item.id, item);
  }

  get(id: string): Item | undefined {
    return this.items.get(id);
  }

  has(id: string): boolean {
    return this.items.has(id);
  }

  get size(): number {
    return this.items.size;
  }

  onboardedVector(id: string): Float32Array | undefined {
    return this.onboardedVectors.get(id);
  }

  /** Every onboarded item's id and content vector. */
  onboarded(): IterableIterator<[string, Float32Array]> {
    return this.onboardedVectors.entries();
  }

  /** Records an item that is not in the trained model, with its content-derived vector. */
  putOnboarded(row: IndexedItem): void {
    const { vector, ...item } = row;
    this.items.set(item.id, item);
    this.onboardedVectors.set(item.id, vector);
  }

  /** Replaces a trained item's metadata; its vector stays the model's. */
  putTrained(item: Item): void {
    this.items.set(item.id, item);
  }

  delete(id: string): boolean {
    this.onboardedVectors.delete(id);
    return this.items.delete(id);
  }
}
