/**
 * The contract every VectorIndex keeps, on a fixture small enough to check by hand. Vector entries are
 * multiples of 1/4, so every dot product is exact in float32 and ties are real ties.
 */
import { describe, expect, it } from "vitest";
import type { Filter, IndexedItem, Scored, VectorIndex } from "./types.ts";

export const CONTRACT_DIMENSION = 3;
const QUOTED_ID = `o'neil "quoted" \\ 'id'`;

/** Inserted in this order, which differs from id order so insertion order cannot pass for the tie rule. */
const FIXTURE: IndexedItem[] = [
  item("b-toy2", "Toy Story 2", [1, 0, 0], { year: 1999, genres: ["Animation", "Comedy"], tags: ["pixar", "sequel"] }),
  item("a-toy", "Toy Story", [1, 0, 0], { year: 1995, genres: ["Animation", "Children's", "Comedy"], tags: ["pixar"] }),
  item("heat", "Heat", [0, 1, 0], { year: 1995, genres: ["Action", "Crime"] }),
  item("alien", "Alien", [0.5, 0.5, 0], { year: 1979, genres: ["Horror", "Sci-Fi"], tags: ["space"] }),
  item("life", "It's a Wonderful Life", [0, 0, 1], { year: 1946, genres: ["Drama"], text: "A Christmas classic." }),
  item("amelie", "Amélie", [-1, 0, 0], { year: 2001, genres: ["Comedy", "Romance"] }),
  item("untitled", "Untitled Project", [0.25, 0.25, 0.25], {}),
  item(QUOTED_ID, "Quotes", [0, -1, 0], { year: 2010, genres: ["Rock 'n' Roll"] }),
  item("映画-7", "Seven Samurai 七人の侍", [0, 0.5, 0.5], { year: 1954, genres: ["Action", "Drama"] }),
];

/** q = (1, 1, 0) against the fixture: four-way tie at 1, two at 0.5, two at -1, each tie in id order. */
const Q = Float32Array.of(1, 1, 0);
const BY_Q: Array<[string, number]> = [
  ["a-toy", 1],
  ["alien", 1],
  ["b-toy2", 1],
  ["heat", 1],
  ["untitled", 0.5],
  ["映画-7", 0.5],
  ["life", 0],
  ["amelie", -1],
  [QUOTED_ID, -1],
];

/** Each filter with the ids it leaves, in q order. */
const FILTER_CASES: Array<[string, Filter, string[]]> = [
  ["genresAny", { genresAny: ["Comedy"] }, ["a-toy", "b-toy2", "amelie"]],
  ["genresAny, several", { genresAny: ["Drama", "Horror"] }, ["alien", "映画-7", "life"]],
  ["genresAny with a quote", { genresAny: ["Children's"] }, ["a-toy"]],
  ["genresAny with quotes", { genresAny: ["Rock 'n' Roll"] }, [QUOTED_ID]],
  ["genresAny is case-sensitive", { genresAny: ["comedy"] }, []],
  ["genresAny cannot inject", { genresAny: ["x') OR true OR ('", "x' OR '1'='1"] }, []],
  ["genresAny empty constrains nothing", { genresAny: [] }, BY_Q.map(([id]) => id)],
  ["genresNone", { genresNone: ["Animation"] }, ["alien", "heat", "untitled", "映画-7", "life", "amelie", QUOTED_ID]],
  ["genresNone, several", { genresNone: ["Comedy", "Action"] }, ["alien", "untitled", "life", QUOTED_ID]],
  ["yearMin (no year fails)", { yearMin: 1995 }, ["a-toy", "b-toy2", "heat", "amelie", QUOTED_ID]],
  ["yearMax (no year fails)", { yearMax: 1979 }, ["alien", "映画-7", "life"]],
  ["yearMin and yearMax, inclusive", { yearMin: 1995, yearMax: 1999 }, ["a-toy", "b-toy2", "heat"]],
  ["yearMin above yearMax", { yearMin: 2000, yearMax: 1990 }, []],
  ["excludeIds", { excludeIds: ["a-toy", QUOTED_ID, "映画-7", "not-there"] }, ["alien", "b-toy2", "heat", "untitled", "life", "amelie"]],
  [
    "every field combined",
    { genresAny: ["Comedy", "Action"], genresNone: ["Animation"], yearMin: 1990, yearMax: 2005, excludeIds: ["heat"] },
    ["amelie"],
  ],
];

export function describeVectorIndexContract(name: string, make: (dimension: number) => Promise<VectorIndex>): void {
  const loaded = async () => {
    const index = await make(CONTRACT_DIMENSION);
    await index.upsert(FIXTURE);
    return index;
  };
  const ids = (results: Scored[]) => results.map((r) => r.item.id);

  describe(`${name}: VectorIndex contract`, () => {
    it("reports its dimension and counts its items", async () => {
      const index = await loaded();
      expect(index.dimension).toBe(CONTRACT_DIMENSION);
      expect(await index.count()).toBe(FIXTURE.length);
    });

    it("answers an empty index with empty lists", async () => {
      const index = await make(CONTRACT_DIMENSION);
      expect(await index.count()).toBe(0);
      expect(await index.query(Q, { k: 5 })).toEqual([]);
      expect(await index.query(Q, { k: 5, filter: { genresAny: ["Comedy"], yearMin: 1990 } })).toEqual([]);
      expect(await index.search("toy", { k: 5 })).toEqual([]);
      expect(await index.get("a-toy")).toBeUndefined();
      await index.delete(["a-toy"]);
      expect(await index.count()).toBe(0);
    });

    it("ranks by dot product, ties to the id that sorts first", async () => {
      const index = await loaded();
      const all = await index.query(Q, { k: 20 });
      expect(all.map((r) => [r.item.id, r.score])).toEqual(BY_Q);
      // The cut-off falls inside the four-way tie: the ids that sort first win it, not the first inserted.
      expect(ids(await index.query(Q, { k: 3 }))).toEqual(["a-toy", "alien", "b-toy2"]);
      expect(ids(await index.query(Q, { k: 5 }))).toEqual(["a-toy", "alien", "b-toy2", "heat", "untitled"]);
      expect(await index.query(Q, { k: 0 })).toEqual([]);
    });

    it("breaks an all-way tie by id", async () => {
      const index = await loaded();
      const zero = await index.query(new Float32Array(CONTRACT_DIMENSION), { k: 3 });
      expect(zero.map((r) => [r.item.id, r.score])).toEqual([
        ["a-toy", 0],
        ["alien", 0],
        ["amelie", 0],
      ]);
    });

    it("returns the items as they were stored", async () => {
      const index = await loaded();
      const [top] = await index.query(Float32Array.of(0, 0, 1), { k: 1 });
      expect(top).toEqual({ item: withoutVector(FIXTURE[4]), score: 1 });
      const untitled = (await index.query(Q, { k: 5 }))[4];
      expect(untitled.item).toEqual(withoutVector(FIXTURE[6]));
      expect("year" in untitled.item).toBe(false);
    });

    for (const [label, filter, expected] of FILTER_CASES) {
      it(`filters: ${label}`, async () => {
        const index = await loaded();
        expect(ids(await index.query(Q, { k: 20, filter }))).toEqual(expected);
      });
    }

    it("returns every match, and no more, when k exceeds the matches", async () => {
      const index = await loaded();
      expect(ids(await index.query(Q, { k: 100, filter: { genresAny: ["Comedy"] } }))).toEqual(["a-toy", "b-toy2", "amelie"]);
      expect(ids(await index.query(Q, { k: 2, filter: { genresAny: ["Comedy"] } }))).toEqual(["a-toy", "b-toy2"]);
    });

    it("round-trips ids and text with quotes, backslashes and unicode", async () => {
      const index = await loaded();
      for (const original of [FIXTURE[7], FIXTURE[8], FIXTURE[4]]) {
        const got = await index.get(original.id);
        expect(got).toEqual(original);
        expect(got?.vector).toBeInstanceOf(Float32Array);
      }
      expect(ids(await index.query(Float32Array.of(0, -1, 0), { k: 1 }))).toEqual([QUOTED_ID]);
      await index.delete([QUOTED_ID, "映画-7"]);
      expect(await index.get(QUOTED_ID)).toBeUndefined();
      expect(await index.count()).toBe(FIXTURE.length - 2);
    });

    it("upsert replaces by id and inserts new ids", async () => {
      const index = await loaded();
      const remastered = item("a-toy", "Toy Story Remastered", [0, 0, 3], { year: 2020, genres: ["Animation"], tags: [] });
      const added = item("new", "Brand New", [0, 0, 0.5], {});
      await index.upsert([remastered, added]);
      expect(await index.count()).toBe(FIXTURE.length + 1);
      expect(await index.get("a-toy")).toEqual(remastered);
      expect((await index.query(Float32Array.of(0, 0, 1), { k: 3 })).map((r) => [r.item.id, r.score])).toEqual([
        ["a-toy", 3],
        ["life", 1],
        ["new", 0.5],
      ]);
      expect(ids(await index.query(Q, { k: 20, filter: { genresAny: ["Comedy"] } }))).toEqual(["b-toy2", "amelie"]);
      expect(ids(await index.search("remastered", { k: 5 }))).toEqual(["a-toy"]);
    });

    it("keeps the last row of an id repeated in one upsert", async () => {
      const index = await make(CONTRACT_DIMENSION);
      await index.upsert([item("x", "First", [1, 0, 0], {}), item("y", "Other", [0, 1, 0], {}), item("x", "Second", [0, 0, 1], {})]);
      expect(await index.count()).toBe(2);
      expect((await index.get("x"))?.title).toBe("Second");
    });

    it("delete removes from count, get, query and search; unknown ids are ignored", async () => {
      const index = await loaded();
      await index.delete(["heat", "b-toy2", "not-there"]);
      expect(await index.count()).toBe(FIXTURE.length - 2);
      expect(await index.get("heat")).toBeUndefined();
      expect(ids(await index.query(Q, { k: 20 }))).toEqual(BY_Q.map(([id]) => id).filter((id) => id !== "heat" && id !== "b-toy2"));
      expect(await index.search("heat", { k: 5 })).toEqual([]);
      expect(ids(await index.search("toy story", { k: 5 }))).toEqual(["a-toy"]);
      await index.delete(FIXTURE.map((f) => f.id));
      expect(await index.count()).toBe(0);
      expect(await index.query(Q, { k: 5 })).toEqual([]);
    });

    it("searches titles: whole words, any case, accents folded, best first", async () => {
      const index = await loaded();
      const toyStory = await index.search("toy story", { k: 10 });
      expect(ids(toyStory)).toEqual(["a-toy", "b-toy2"]);
      expect(toyStory[0].score).toBeGreaterThan(toyStory[1].score);
      expect(toyStory[1].score).toBeGreaterThan(0);
      expect(ids(await index.search("toy story", { k: 1 }))).toEqual(["a-toy"]);
      expect(ids(await index.search("HEAT", { k: 10 }))).toEqual(["heat"]);
      expect(ids(await index.search("amelie", { k: 10 }))).toEqual(["amelie"]);
      expect(ids(await index.search("it", { k: 10 }))).toEqual(["life"]);
      expect(ids(await index.search("samurai", { k: 10 }))).toEqual(["映画-7"]);
      expect((await index.search("pixar", { k: 10 })).map((r) => r.item.id).sort()).toEqual(["a-toy", "b-toy2"]);
      for (const nothing of ["zzzz", "", "  !!  ", "' OR 1=1 --"]) expect(await index.search(nothing, { k: 10 })).toEqual([]);
    });

    it("rejects a wrong dimension, a bad k and a bad year bound as input errors", async () => {
      const index = await loaded();
      const invalid = { code: "invalid_input" };
      await expect(index.query(Float32Array.of(1, 0), { k: 3 })).rejects.toMatchObject(invalid);
      await expect(index.query(Q, { k: -1 })).rejects.toMatchObject(invalid);
      await expect(index.query(Q, { k: 1.5 })).rejects.toMatchObject(invalid);
      await expect(index.query(Q, { k: 3, filter: { yearMin: Number.NaN } })).rejects.toMatchObject(invalid);
      await expect(index.upsert([item("bad", "Bad", [1, 2], {})])).rejects.toMatchObject(invalid);
      await expect(index.upsert([item("bad", "Bad", [1, Number.NaN, 0], {})])).rejects.toMatchObject(invalid);
      expect(await index.count()).toBe(FIXTURE.length);
    });
  });
}

function item(id: string, title: string, vector: number[], rest: Partial<IndexedItem>): IndexedItem {
  return { id, title, genres: [], tags: [], ...rest, vector: Float32Array.from(vector) };
}

function withoutVector({ vector: _, ...rest }: IndexedItem) {
  return rest;
}
