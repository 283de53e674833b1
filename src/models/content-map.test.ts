import { describe, expect, it } from "vitest";
import { solveSpd } from "../numeric/cholesky.ts";
import { mulberry32 } from "../numeric/random.ts";
import { attributeFeatures, ContentFeaturizer, contentWords, mapFeatures, referenceKeys, sStem, textFeatures } from "./content-features.ts";
import { ContentMap, TEXT_VIEW_SHARE } from "./content-map.ts";

describe("content features", () => {
  it("spells the reference keys as reference_p2.py does: genres, decade, ASCII title words", () => {
    expect(referenceKeys({ title: "Amélie", year: 2001, genres: ["Romance", "Comedy"] })).toEqual(["genre=Comedy", "genre=Romance", "decade=2000", "word=am", "word=lie"]);
    expect(referenceKeys({ title: "Up Up and Away" })).toEqual(["word=up", "word=and", "word=away"]);
  });

  it("adds a bias, genre pairs and the year on 2-, 3- and 5-year triangular bins", () => {
    const features = mapFeatures({ title: "X", year: 1994, genres: ["Drama", "Comedy", "War"] });
    const year = features.filter(([k]) => k.startsWith("year/")).map(([k, w]) => [k, Number(w.toFixed(3))]);
    // 1994 is a 2-year knot (997 * 2), two thirds of the way from 1992 to 1995, four fifths from 1990 to 1995.
    expect(year).toEqual([["year/2=997", 1], ["year/3=664", 0.333], ["year/3=665", 0.667], ["year/5=398", 0.2], ["year/5=399", 0.8]]);
    expect(features.filter(([k]) => k.startsWith("genres=")).map(([k]) => k)).toEqual(["genres=Comedy|Drama", "genres=Comedy|War", "genres=Drama|War"]);
    expect(features[0]).toEqual(["bias", 1]);
    expect(mapFeatures({ title: "X" })).toEqual([["bias", 1], ["word=x", 1]]);
  });

  it("freezes a vocabulary of the keys found on two catalog items or more, and drops the rest", () => {
    const f = ContentFeaturizer.fromCatalog([
      { title: "Red Alpha", genres: ["Drama"] },
      { title: "Red Beta", genres: ["Drama", "War"] },
      { title: "Gamma" },
    ]);
    expect(f.vocabulary).toEqual(["bias", "genre=Drama", "word=red"]);
    const x = f.featurize({ title: "Red Delta", genres: ["War"] });
    expect(x.indices.map((i) => f.vocabulary[i])).toEqual(["bias", "word=red"]);
  });
});

describe("description and attribute features", () => {
  /** About 400 words of plot summary, written for this test. */
  const SUMMARY = (
    "When a storm carries her robot friend away, a young inventor gathers her talking toys and sets out across the flooded city to bring him home. " +
    "Along the way the toys meet a grumpy old kite, a family of singing pigeons and a lost puppy who knows every rooftop, and they learn that courage " +
    "matters more than a shiny shell. The girl's grandmother, a retired engineer, builds them a boat from an umbrella and two bicycle wheels. "
  ).repeat(6);

  it("reads content words: accents folded, stop words and numbers dropped, plurals singular", () => {
    // Harman's rules are crude ("heroes" -> "heroe"), but the same word always reduces to the same form.
    expect(contentWords("The Soldiers' café: 1944, their armies and stories of heroes and glasses.")).toEqual(["soldier", "cafe", "army", "story", "heroe", "glasse"]);
    expect(["toys", "parties", "bus", "glass", "shoes", "news"].map(sStem)).toEqual(["toy", "party", "bus", "glass", "shoe", "new"]);
  });

  it("gives a long plot summary the weight of a short description, so genres and the year still count", () => {
    const norm = (keys: ReadonlyArray<readonly [string, number]>) => Math.hypot(...keys.map(([, w]) => w));
    const long = textFeatures(SUMMARY);
    expect(SUMMARY.split(/\s+/).length).toBeGreaterThan(300);
    expect(long.length).toBeGreaterThan(40);
    // The same total for a summary of 400 words and a description of two.
    expect(norm(long)).toBeCloseTo(norm(textFeatures("toys. robot.")), 6);
    const features = mapFeatures({ title: "Kite Day", year: 2015, genres: ["Animation", "Children"], text: SUMMARY });
    const weights = (prefix: string) => features.filter(([k]) => k.startsWith(prefix)).map(([, w]) => w);
    // Each word of a long summary weighs a small fraction of a genre or a year bin (the most, 0.37, for "toy",
    // said twice in each of the six repeats).
    expect(Math.max(...weights("text#"))).toBeLessThan(0.4);
    expect(Math.min(...weights("genre="))).toBe(1);
    expect(Math.max(...weights("year/"))).toBeGreaterThan(0.5);
  });

  it("weighs a repeated word by 1 + ln(count), the description's features having norm 2", () => {
    // "knight" three times ("knights" is its plural), "dragon" once: weights 1 + ln 3 and 1 before scaling.
    const keys = textFeatures("A knight and his knights fight the dragon; the knight falls.");
    const byWeight = keys.map(([, w]) => w).sort((a, b) => b - a);
    const norm = 2 / Math.hypot(1 + Math.log(3), 1, 1, 1);
    // knight, then dragon, fight and fall (stop words "a", "and", "his", "the" dropped).
    expect(byWeight).toHaveLength(4);
    expect(byWeight[0]).toBeCloseTo((1 + Math.log(3)) * norm, 12);
    for (const w of byWeight.slice(1)) expect(w).toBeCloseTo(norm, 12);
    expect(textFeatures("knight knight knight dragon fight fall")).toEqual(keys);
    expect(textFeatures("the of and")).toEqual([]);
  });

  it("turns attributes into keys: texts and flags as they are, lists split by 1/sqrt(n), numbers on log2 bins", () => {
    const keys = attributeFeatures({ director: " Pete  Docter ", animated: true, cast: ["A", "B", "B", "C", "D"], runtime: 96, budget: 0, delta: -3 });
    const rounded = keys.map(([k, w]) => [k, Number(w.toFixed(3))]);
    // log2(97) = 6.600: 0.4 on bin 6, 0.6 on bin 7; -log2(4) = -2 exactly; 0 on bin 0.
    expect(rounded).toEqual([
      ["attr:animated=true", 1],
      ["attr:budget~0", 1],
      ["attr:cast=a", 0.5],
      ["attr:cast=b", 0.5],
      ["attr:cast=c", 0.5],
      ["attr:cast=d", 0.5],
      ["attr:delta~-2", 1],
      ["attr:director=pete docter", 1],
      ["attr:runtime~6", 0.4],
      ["attr:runtime~7", 0.6],
    ]);
    expect(mapFeatures({ title: "X", attributes: { language: "en" } })).toContainEqual(["attr:language=en", 1]);
  });

  it("places an item by its attributes when the catalog's items carry them", () => {
    // Two kinds of item that differ only in their director; the vectors follow the director.
    const items = Array.from({ length: 40 }, (_, r) => ({ title: "Shared", genres: ["Animation"], attributes: { director: r % 2 ? "Docter" : "Carpenter", runtime: 90 + r } }));
    const vectors = Float32Array.from(items.flatMap((item) => (item.attributes.director === "Docter" ? [1, 0] : [0, 1])));
    const map = ContentMap.fit(items, vectors, 2, { spread: 0 });
    const docter = map.map({ title: "New", genres: ["Animation"], attributes: { director: "Docter" } });
    const carpenter = map.map({ title: "New", genres: ["Animation"], attributes: { director: "Carpenter" } });
    const none = map.map({ title: "New", genres: ["Animation"] });
    expect(docter[0]).toBeGreaterThan(none[0] + 0.3);
    expect(carpenter[1]).toBeGreaterThan(none[1] + 0.3);
    expect(docter[0] - docter[1]).toBeGreaterThan(0.6);
    expect(carpenter[1] - carpenter[0]).toBeGreaterThan(0.6);
  });
});

/** Every genre set with every year, `copies` times: the ridge is well determined and its penalty small. */
function catalog(copies = 1) {
  const genres = [["Drama"], ["Comedy"], ["War"], ["Comedy", "Drama"]];
  const years = [1980, 1984, 1990, 1995, 2001, 2004];
  return Array.from({ length: copies }, () => genres.flatMap((g) => years.map((year) => ({ title: "Shared", year, genres: g })))).flat();
}

describe("ContentMap", () => {
  it("recovers item vectors that are a linear function of the features", () => {
    const items = catalog(10);
    // Factor 0: 1 for Drama; factor 1: the year's distance from 1980 in decades (linear in the bins' weights).
    const target = (it: { year: number; genres: string[] }) => [it.genres.includes("Drama") ? 1 : 0, (it.year - 1980) / 10];
    const map = ContentMap.fit(items, Float32Array.from(items.flatMap(target)), 2, { spread: 0 });
    for (const probe of [{ title: "Shared", year: 1990, genres: ["Drama"] }, { title: "Shared", year: 2001, genres: ["War"] }]) {
      const v = map.map(probe);
      const want = target(probe);
      expect(v[0]).toBeCloseTo(want[0], 1);
      expect(v[1]).toBeCloseTo(want[1], 1);
    }
  });

  it("places an item of uncertain year at its candidate years, averaged by weight", () => {
    const items = catalog(10);
    // Factor 1 is the year's distance from 1980 in decades, so the placements' average is the average year's.
    const map = ContentMap.fit(items, Float32Array.from(items.flatMap((it) => [it.genres.includes("Drama") ? 1 : 0, (it.year - 1980) / 10])), 2, { spread: 0 });
    const item = { title: "Shared", genres: ["Drama"] };
    const guessed = map.mapTextAtYears(item, [{ year: 1984, weight: 1 }, { year: 2004, weight: 3 }]);
    const early = map.mapText({ ...item, year: 1984 });
    const late = map.mapText({ ...item, year: 2004 });
    for (const c of [0, 1]) expect(guessed[c]).toBeCloseTo(0.25 * early[c] + 0.75 * late[c], 5);
    expect(guessed[1]).toBeCloseTo(1.9, 1);
    // No candidates: placed as mapText places a yearless item (at the bias, here the catalog's average year).
    expect(Array.from(map.mapTextAtYears(item, []))).toEqual(Array.from(map.mapText(item)));
    expect(map.mapText(item)[1]).not.toBeCloseTo(1.9, 1);
  });

  it("solves the same normal equations as a dense Cholesky", () => {
    const items = catalog();
    const f = 3;
    const next = mulberry32(7);
    const vectors = Float32Array.from({ length: items.length * f }, () => next() - 0.5);
    const shrinkage = 0.05;
    // spread 0: the regression's own predictions (calibration is tested on its own)
    const map = ContentMap.fit(items, vectors, f, { shrinkage, spread: 0 });

    const featurizer = ContentFeaturizer.fromCatalog(items);
    const d = featurizer.dimension;
    const gram = new Float64Array(d * d);
    const rhs = Array.from({ length: f }, () => new Float64Array(d));
    items.forEach((item, r) => {
      const { indices, values } = featurizer.featurize(item);
      indices.forEach((a, i) => {
        indices.forEach((b, j) => (gram[a * d + b] += values[i] * values[j]));
        for (let c = 0; c < f; c++) rhs[c][a] += values[i] * vectors[r * f + c];
      });
    });
    for (let a = 0; a < d; a++) gram[a * d + a] += shrinkage * items.length;
    for (const b of rhs) expect(solveSpd(gram.slice(), b, d)).toBe(true);
    for (const item of items.slice(0, 5)) {
      const { indices, values } = featurizer.featurize(item);
      const got = map.map(item);
      for (let c = 0; c < f; c++) {
        const want = indices.reduce((s, a, i) => s + values[i] * rhs[c][a], 0);
        expect(Math.abs(got[c] - want)).toBeLessThan(1e-3);
      }
    }
  });

  it("round-trips through JSON and refuses a file of another format", () => {
    const items = catalog();
    const map = ContentMap.fit(items, Float32Array.from(items.flatMap((_, r) => [r, -r])), 2);
    const back = ContentMap.fromJSON(JSON.parse(JSON.stringify(map)));
    const probe = { title: "shared", year: 1993, genres: ["War", "Drama"] };
    expect(Array.from(back.map(probe))).toEqual(Array.from(map.map(probe)));
    const described = ContentMap.fit([...items, { title: "Told", text: "funny" }, { title: "Told", text: "funny" }], Float32Array.from({ length: 2 * (items.length + 2) }, (_, i) => i % 7), 2);
    const told = { title: "Shared", text: "Funny.", genres: ["War"] };
    expect(Array.from(ContentMap.fromJSON(JSON.parse(JSON.stringify(described))).mapText(told))).toEqual(Array.from(described.mapText(told)));
    expect(described.mapText(told)).not.toEqual(described.map(told));
    const { text: _text, ...withoutTextView } = map.toJSON();
    expect(() => ContentMap.fromJSON(withoutTextView)).toThrow(/version 5.*rebuild the artifacts/);
    expect(() => ContentMap.fromJSON({ vocabulary: { genres: [] }, factors: 2, weights: [] })).toThrow(/rebuild the artifacts/);
    // An older map (version 4 weighed a description's distinct words alike; 3 hashed them without stemming) is rebuilt, not served.
    expect(() => ContentMap.fromJSON({ ...map.toJSON(), version: 4 })).toThrow(/version 5.*rebuild the artifacts/);
    const { calibration: _, ...uncalibrated } = map.toJSON();
    expect(() => ContentMap.fromJSON({ ...uncalibrated, version: 3 })).toThrow(/version 5.*rebuild the artifacts/);
  });

  it("places an item without given genres with the text view blended in: words that learnt what the genres say", () => {
    // Dramas say "sad tears", comedies "funny jokes"; their vectors follow the genre.
    const items = Array.from({ length: 40 }, (_, r) => (r % 2 ? { title: "Shared", genres: ["Drama"], text: "sad tears" } : { title: "Shared", genres: ["Comedy"], text: "funny jokes" }));
    const vectors = Float32Array.from(items.flatMap((item) => (item.genres[0] === "Drama" ? [1, 0] : [0, 1])));
    const map = ContentMap.fit(items, vectors, 2, { spread: 0 });
    /** The text view's own prediction, recovered from the blend. */
    const textPart = (item: { title: string; text: string; genres?: string[] }) => {
      const blend = map.mapText(item);
      const full = map.map(item);
      return [0, 1].map((c) => (blend[c] - (1 - TEXT_VIEW_SHARE) * full[c]) / TEXT_VIEW_SHARE);
    };
    const funny = { title: "New", text: "Funny jokes." };
    // The full view lets the genres explain the vectors, so its words alone say less; the text view's words say it all.
    const full = map.map(funny);
    const text = textPart(funny);
    expect(text[1] - text[0]).toBeGreaterThan(0.9);
    expect(text[1] - text[0]).toBeGreaterThan(full[1] - full[0] + 0.2);
    // Genres guessed from the text reach the blend through the full view only.
    const guessed = textPart({ ...funny, genres: ["Drama"] });
    expect(guessed[0]).toBeCloseTo(text[0], 5);
    expect(guessed[1]).toBeCloseTo(text[1], 5);
    // No word the catalog's descriptions know: the full view alone, as in a catalog without descriptions.
    expect(Array.from(map.mapText({ title: "New", text: "Unheard words.", genres: ["Comedy"] }))).toEqual(Array.from(map.map({ title: "New", text: "Unheard words.", genres: ["Comedy"] })));
    const untold = ContentMap.fit(catalog(), Float32Array.from(catalog().flatMap((_, r) => [r, -r])), 2);
    const probe = { title: "Shared", text: "Funny jokes.", genres: ["War"] };
    expect(Array.from(untold.mapText(probe))).toEqual(Array.from(untold.map(probe)));
  });

  it("calibrates its predictions to the trained vectors' spread, keeping their order for any user", () => {
    const items = catalog(3);
    const next = mulberry32(11);
    // Vectors only partly explained by content: the ridge's predictions are shrunk towards the mean.
    const vectors = Float32Array.from(items.flatMap((it) => [it.genres.includes("Drama") ? 1 : -1, (it.year - 1990) / 10].map((v) => v + 2 * (next() - 0.5))));
    const raw = ContentMap.fit(items, vectors, 2, { spread: 0 });
    const spreadOf = (map: ContentMap) => {
      const out = items.map((it) => map.map(it));
      const mean = [0, 1].map((c) => out.reduce((s, v) => s + v[c], 0) / out.length);
      return Math.sqrt(out.reduce((s, v) => s + (v[0] - mean[0]) ** 2 + (v[1] - mean[1]) ** 2, 0) / out.length);
    };
    const target = (() => {
      const n = items.length;
      const mean = [0, 1].map((c) => Array.from({ length: n }, (_, r) => vectors[r * 2 + c]).reduce((a, b) => a + b, 0) / n);
      return Math.sqrt(Array.from({ length: n }, (_, r) => (vectors[r * 2] - mean[0]) ** 2 + (vectors[r * 2 + 1] - mean[1]) ** 2).reduce((a, b) => a + b, 0) / n);
    })();
    expect(spreadOf(raw)).toBeLessThan(0.9 * target);
    for (const spread of [0.5, 1, 2]) {
      const map = ContentMap.fit(items, vectors, 2, { spread });
      expect(spreadOf(map) / target).toBeCloseTo(spread, 3);
      const user = Float32Array.of(next() - 0.5, next() - 0.5);
      const score = (m: ContentMap) => items.map((it) => m.map(it)).map((v) => v[0] * user[0] + v[1] * user[1]);
      const order = (s: number[]) => s.map((_, i) => i).sort((a, b) => s[b] - s[a] || a - b);
      expect(order(score(map))).toEqual(order(score(raw)));
    }
  });
});
