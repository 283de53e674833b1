import { describe, expect, it } from "vitest";
import { DataFormatError } from "../core/errors.ts";
import { parseInteractions, parseItems } from "./generic.ts";
import { parseMovieLens100K, parseMovieLens1M, parseMovieLensLatest } from "./movielens.ts";

function formatError(f: () => unknown): DataFormatError {
  try {
    f();
  } catch (e) {
    if (e instanceof DataFormatError) return e;
    throw e;
  }
  throw new Error("expected a DataFormatError");
}

const movies = 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,"American President, The (1995)",Comedy|Drama|Romance\n3,Untitled,(no genres listed)\n';

describe("MovieLens latest", () => {
  it("parses quoted titles, years, genres and tags", () => {
    const ds = parseMovieLensLatest("t", {
      ratings: "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,3.5,964981247\n",
      movies,
      tags: 'userId,movieId,tag,timestamp\n2,1,pixar,1\n3,1,Pixar,2\n3,2,"politics, US",3\n',
    });
    expect(ds.rows).toEqual([
      { user: "1", item: "1", value: 4, timestamp: 964982703 },
      { user: "1", item: "2", value: 3.5, timestamp: 964981247 },
    ]);
    expect(ds.catalog.get("2")).toEqual({ id: "2", title: "American President, The", year: 1995, genres: ["Comedy", "Drama", "Romance"], tags: ["politics, US"] });
    expect(ds.catalog.get("1")?.tags).toEqual(["pixar"]);
    expect(ds.catalog.get("3")).toMatchObject({ title: "Untitled", year: undefined, genres: [] });
  });

  it("names file and line for a rating that is not a number", () => {
    const e = formatError(() => parseMovieLensLatest("t", { ratings: "userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,abc,2\n", movies }));
    expect(e.message).toBe('ratings.csv:3: rating "abc" is not a number');
  });

  it("names file and line for a missing field and an unclosed quote", () => {
    expect(formatError(() => parseMovieLensLatest("t", { ratings: "h\n1,1,4.0\n", movies })).message).toMatch(/^ratings\.csv:2: missing timestamp/);
    expect(formatError(() => parseMovieLensLatest("t", { ratings: "h\n1,1,4,1\n", movies: 'h\n1,"Open (1995),Drama\n' })).message).toMatch(/^movies\.csv:2/);
  });
});

describe("MovieLens 100K and 1M", () => {
  it("reads u.data and u.item genre flags", () => {
    const flags = (on: number[]) => Array.from({ length: 19 }, (_, k) => (on.includes(k) ? "1" : "0")).join("|");
    const ds = parseMovieLens100K("100k", {
      data: "196\t242\t3\t881250949\n",
      item: `242|Kolya (1996)|24-Jan-1997||http://x|${flags([5])}\n1|Toy Story (1995)|01-Jan-1995||http://y|${flags([3, 4, 5])}\n`,
    });
    expect(ds.rows).toEqual([{ user: "196", item: "242", value: 3, timestamp: 881250949 }]);
    expect(ds.catalog.get("1")).toMatchObject({ title: "Toy Story", year: 1995, genres: ["Animation", "Children's", "Comedy"] });
    expect(formatError(() => parseMovieLens100K("x", { data: "1\t2\t3\n", item: "" })).message).toMatch(/^u\.data:1: missing timestamp/);
  });

  it("reads '::'-separated 1M files", () => {
    const ds = parseMovieLens1M("1m", { ratings: "1::1193::5::978300760\n", movies: "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n" });
    expect(ds.rows[0]).toEqual({ user: "1", item: "1193", value: 5, timestamp: 978300760 });
    expect(ds.catalog.get("1193")).toMatchObject({ year: 1975, genres: ["Drama"] });
    expect(formatError(() => parseMovieLens1M("1m", { ratings: "1::2::5::9\n1::2::x::9\n", movies: "" })).message).toBe('ratings.dat:2: rating "x" is not a number');
  });
});

describe("generic interaction and item files", () => {
  it("reads TSV without a header, CSV with a header in any column order, and JSONL", () => {
    expect(parseInteractions("a\tx\t2\t10\nb\ty\n", "f.tsv")).toEqual([
      { user: "a", item: "x", value: 2, timestamp: 10 },
      { user: "b", item: "y", value: 1, timestamp: 2 },
    ]);
    expect(parseInteractions("item,user,count\nx,a,7\n", "f.csv")).toEqual([{ user: "a", item: "x", value: 7, timestamp: 2 }]);
    expect(parseInteractions('{"user":1,"item":"x","value":3}\n\n{"user":"b","item":"y"}\n', "f.jsonl")).toEqual([
      { user: "1", item: "x", value: 3, timestamp: 1 },
      { user: "b", item: "y", value: 1, timestamp: 3 },
    ]);
  });

  it("names file and line for bad rows", () => {
    expect(formatError(() => parseInteractions("a\tx\tNaN\n", "f.tsv")).message).toBe('f.tsv:1: value "NaN" is not a number');
    expect(formatError(() => parseInteractions('{"user":"a","item":"x"}\n{"user":"a",\n', "f.jsonl")).message).toMatch(/^f\.jsonl:2: not valid JSON/);
    expect(formatError(() => parseInteractions('{"user":"a"}\n', "f.jsonl")).message).toMatch(/^f\.jsonl:1: item/);
    expect(formatError(() => parseInteractions("\tx\t1\n", "f.tsv")).message).toBe("f.tsv:1: missing user");
  });

  it("reads items with genres, tags, text and a year from the title", () => {
    expect(parseItems("id,title,genres,text\n7,Heat (1995),Crime|Thriller,A heist\n", "items.csv")).toEqual([
      { id: "7", title: "Heat", year: 1995, genres: ["Crime", "Thriller"], tags: [], text: "A heist" },
    ]);
    expect(parseItems('{"id":"n1","title":"New","description":"d","genres":["Drama"],"year":2024}\n', "items.jsonl")[0]).toMatchObject({ id: "n1", text: "d", year: 2024 });
    const attributes = { director: "Pete Docter", runtime: 96, animated: true, cast: ["Ed Asner"] };
    expect(parseItems(`${JSON.stringify({ id: "u", title: "Up", attributes })}\n`, "items.jsonl")[0].attributes).toEqual(attributes);
    expect(formatError(() => parseItems('{"id":"u","title":"Up","attributes":{"runtime":[96]}}\n', "items.jsonl")).message).toBe(
      "items.jsonl:1: attributes.runtime.0: a list holds strings only, got number",
    );
    expect(formatError(() => parseItems("name,genres\nx,y\n", "items.csv")).message).toMatch(/^items\.csv:1: an items file needs a header/);
    expect(formatError(() => parseItems("id,title,year\n1,A,soon\n", "items.csv")).message).toBe('items.csv:2: year "soon" is not a number');
  });

  it("reads attr.NAME columns of a CSV/TSV items file as attributes and ignores other unknown columns", () => {
    const csv = "id,title,attr.director,attr.runtime,attr.animated,attr.cast,attr.zip,imdbId\n1,Up (2009),Pete Docter,96,true,Ed Asner| Jordan Nagai,02139,1049413\n2,Heat (1995),,,,,,\n";
    const [up, heat] = parseItems(csv, "items.csv");
    expect(up.attributes).toEqual({ director: "Pete Docter", runtime: 96, animated: true, cast: ["Ed Asner", "Jordan Nagai"], zip: "02139" });
    expect(heat.attributes).toBeUndefined();
    expect(parseItems("id\ttitle\tattr.Language\n7\tHeat\ten\n", "items.tsv")[0].attributes).toEqual({ Language: "en" });
    expect(formatError(() => parseItems("id,title,attr.bad name\n1,A,x\n", "items.csv")).message).toMatch(/^items\.csv:2: attributes\.bad name: attribute name "bad name"/);
  });
});
