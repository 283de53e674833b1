import { describe, expect, it } from "vitest";
import { ContentFeaturizer } from "./content-features.ts";
import { ContentMap } from "./content-map.ts";

const catalog = [
  { title: "Alpha", year: 1995, genres: ["Drama"], tags: ["time travel", "robots"] },
  { title: "Beta", year: 1999, genres: ["Comedy"], tags: ["time travel"] },
  { title: "Gamma", year: 2004, genres: ["Drama", "War"], tags: ["robots"] },
  { title: "Delta", genres: ["Comedy"], tags: ["one-off"] },
];

describe("ContentFeaturizer", () => {
  const f = ContentFeaturizer.fromCatalog(catalog);

  it("builds a frozen vocabulary: genres, tags seen on two items or more, decades", () => {
    expect(f.vocabulary).toEqual({ genres: ["Comedy", "Drama", "War"], tags: ["robots", "time travel"], decades: [1990, 2000] });
    expect(f.dimension).toBe(1 + 3 + 2 + 2 + 1);
  });

  it("marks genres, tags, the decade, and vocabulary words found in the title or description", () => {
    const x = Array.from(f.featurize({ title: "New", year: 1991, text: "A war story about Time Travel." }));
    // bias, Comedy, Drama, War, robots, time travel, 1990s, 2000s, year unknown
    expect(x).toEqual([1, 0, 0, 1, 0, 1, 1, 0, 0]);
    expect(Array.from(f.featurize({ title: "Bare" })).at(-1)).toBe(1);
  });
});

describe("ContentMap", () => {
  it("recovers vectors that are a linear function of the features", () => {
    const f = ContentFeaturizer.fromCatalog(catalog);
    // Every combination of genre, tag set and year, so the least-squares problem is fully determined.
    const tagSets = [[], ["robots"], ["time travel"], ["robots", "time travel"]];
    const items = ["Comedy", "Drama", "War"].flatMap((genre) =>
      tagSets.flatMap((tags) => [1994, 2002, undefined].map((year) => ({ title: "x", genres: [genre], tags, year }))),
    );
    // Factor 0 = 1 for Drama + 0.5 for the 2000s, factor 1 = 1 for time travel.
    const target = (it: (typeof items)[number]) => [(it.genres[0] === "Drama" ? 1 : 0) + ((it.year ?? 0) >= 2000 ? 0.5 : 0), it.tags.includes("time travel") ? 1 : 0];
    const map = ContentMap.fit(items, Float32Array.from(items.flatMap(target)), 2, 1e-3, f);
    for (const probe of [{ title: "New", genres: ["Drama"], tags: ["time travel"], year: 2005 }, { title: "New", genres: ["War"], tags: [], year: 1990 }]) {
      const v = map.map(probe);
      const want = target(probe);
      expect(v[0]).toBeCloseTo(want[0], 2);
      expect(v[1]).toBeCloseTo(want[1], 2);
    }
  });
});
