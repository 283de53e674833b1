import type { InteractionRow, Item } from "../core/types.ts";
import { Catalog, splitGenres, splitTitleYear } from "./catalog.ts";
import { type LineRecord, numberField, parseDelimited, textField } from "./delimited.ts";

/** Raw interactions plus what is known about the items. */
export interface Dataset {
  name: string;
  rows: InteractionRow[];
  catalog: Catalog;
}

/** user, item, value, timestamp at the given field positions. */
export function interactionRows(records: LineRecord[], file: string): InteractionRow[] {
  return records.map((rec) => ({
    user: textField(rec, 0, "user id", file),
    item: textField(rec, 1, "item id", file),
    value: numberField(rec, 2, "rating", file),
    timestamp: numberField(rec, 3, "timestamp", file),
  }));
}

function movie(rec: LineRecord, file: string, genres: string[]): Item {
  const { title, year } = splitTitleYear(textField(rec, 1, "title", file));
  return { id: textField(rec, 0, "movie id", file), title, year, genres, tags: [] };
}

/** MovieLens "latest" layout: ratings.csv, movies.csv and optionally tags.csv, each with a header. */
export function parseMovieLensLatest(name: string, files: { ratings: string; movies: string; tags?: string }): Dataset {
  const ratings = parseDelimited(files.ratings, { delimiter: ",", header: true, file: "ratings.csv" });
  const movies = parseDelimited(files.movies, { delimiter: ",", header: true, file: "movies.csv" });
  const catalog = new Catalog(movies.map((rec) => movie(rec, "movies.csv", splitGenres(rec.fields[2]))));
  if (files.tags !== undefined) {
    const tags = parseDelimited(files.tags, { delimiter: ",", header: true, file: "tags.csv" });
    catalog.addTags(tags.map((rec) => ({ item: textField(rec, 1, "movie id", "tags.csv"), tag: rec.fields[2] ?? "" })));
  }
  return { name, rows: interactionRows(ratings, "ratings.csv"), catalog };
}

/** MovieLens 1M: "::"-separated ratings.dat and movies.dat (latin-1, decoded by the caller). */
export function parseMovieLens1M(name: string, files: { ratings: string; movies: string }): Dataset {
  const ratings = parseDelimited(files.ratings, { delimiter: "::", file: "ratings.dat" });
  const movies = parseDelimited(files.movies, { delimiter: "::", file: "movies.dat" });
  const catalog = new Catalog(movies.map((rec) => movie(rec, "movies.dat", splitGenres(rec.fields[2]))));
  return { name, rows: interactionRows(ratings, "ratings.dat"), catalog };
}

/** The 19 genre flags of u.item, in order, when u.genre is not supplied. */
const ML100K_GENRES = [
  "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
  "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
];

/** MovieLens 100K: tab-separated u.data and "|"-separated u.item (latin-1) with 19 genre flags from field 5. */
export function parseMovieLens100K(name: string, files: { data: string; item: string; genre?: string }): Dataset {
  const genreNames = files.genre
    ? parseDelimited(files.genre, { delimiter: "|", file: "u.genre" }).map((rec) => rec.fields[0])
    : ML100K_GENRES;
  const items = parseDelimited(files.item, { delimiter: "|", file: "u.item" }).map((rec) => {
    const flags = rec.fields.slice(5);
    const genres = genreNames.filter((g, k) => flags[k] === "1" && g !== "unknown");
    return movie(rec, "u.item", genres);
  });
  const data = parseDelimited(files.data, { delimiter: "\t", file: "u.data" });
  return { name, rows: interactionRows(data, "u.data"), catalog: new Catalog(items) };
}
