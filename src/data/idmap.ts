/** String id <-> dense int index, assigned in order of first appearance. */
export class IdMap {
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];

  static from(ids: Iterable<string>): IdMap {
    const m = new IdMap();
    for (const id of ids) m.add(id);
    return m;
  }

  /** Returns the index of `id`, adding it if new. */
  add(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(id, i);
      this.ids.push(id);
    }
    return i;
  }

  get(id: string): number | undefined {
    return this.index.get(id);
  }

  id(index: number): string {
    const id = this.ids[index];
    if (id === undefined) throw new RangeError(`index ${index} is outside 0..${this.ids.length - 1}`);
    return id;
  }

  get size(): number {
    return this.ids.length;
  }

  toArray(): readonly string[] {
    return this.ids;
  }
}
