import { describe, expect, it } from "vitest";
import { MemoryIndex } from "../index/memory.ts";
import { NO_USAGE } from "../llm/types.ts";
import { ContentMap } from "../models/content-map.ts";
import { fakeLlmClient, reply } from "../llm/fake-server.ts";
import { disabledLlmClient } from "../llm/openai-client.ts";
import { itemDescriber } from "./assemble.ts";
import { ItemStore } from "./item-store.ts";
import type { DescribedItem } from "./metadata/describe.ts";
import { type CatalogChange, ItemOnboarding, placeItem } from "./onboarding.ts";

/** Dramas and comedies from 1980 to 2004; factor 1 is the year's distance from 1980 in decades. */
const CATALOG = [1980, 1984, 1990, 1995, 2001, 2004].flatMap((year) =>
  ["Drama", "Comedy"].flatMap((genre) => Array.from({ length: 5 }, () => ({ title: "Shared", year, genres: [genre], text: genre === "Drama" ? "sad tears" : "funny jokes" }))),
);
const map = ContentMap.fit(CATALOG, Float32Array.from(CATALOG.flatMap((it) => [it.genres[0] === "Drama" ? 1 : 0, (it.year - 1980) / 10])), 2, { spread: 0 });
const ESTIMATED = [{ year: 1984, weight: 1 }, { year: 2004, weight: 3 }];
const described: DescribedItem = {
  metadata: { genres: ["Comedy"], themes: [], mood: [], audience: "general", era: "unknown", year: null, keywords: [], summary: "Funny jokes." },
  source: "rules",
  droppedGenres: [],
  usage: NO_USAGE,
  estimatedYears: ESTIMATED,
};

async function onboard(input: { title: string; description?: string; year?: number; genres?: string[] }) {
  const index = new MemoryIndex(2);
  const logged: CatalogChange[] = [];
  const onboarding = new ItemOnboarding(index, new ItemStore(), map, () => false, { append: (c) => void logged.push(c) }, async () => described);
  const { item } = await onboarding.create({ id: "new", ...input });
  return { item, vector: Array.from((await index.get("new"))!.vector), logged: logged[0] };
}

describe("ItemOnboarding", () => {
  it("places an item known by its text at the years its text suggests, without storing a year", async () => {
    const { item, vector } = await onboard({ title: "New", description: "Funny jokes." });
    expect(item.year).toBeUndefined();
    expect(item.genres).toEqual(["Comedy"]);
    expect(vector).toEqual(Array.from(map.mapTextAtYears({ ...item }, ESTIMATED)));
    // Later than a yearless item's placement (the catalog's average year, 1.57 decades after 1980): the guess weighs 2004 most.
    expect(vector[1]).toBeGreaterThan(map.mapText(item)[1] + 0.1);
  });

  it("keeps a given year, and places an item with given genres by the full view", async () => {
    const dated = await onboard({ title: "New", description: "Funny jokes.", year: 1990 });
    expect(dated.item.year).toBe(1990);
    expect(dated.vector).toEqual(Array.from(map.mapText(dated.item)));
    const given = await onboard({ title: "New", description: "Funny jokes.", genres: ["Comedy"] });
    expect(given.vector).toEqual(Array.from(map.map(given.item)));
  });

  it("logs how the item was placed, so a new model version's map places it the same way (placeItem)", async () => {
    const text = await onboard({ title: "New", description: "Funny jokes." });
    expect(text.logged).toMatchObject({ op: "put", textYears: ESTIMATED });
    expect(Array.from(placeItem(map, text.item, ESTIMATED))).toEqual(text.vector);
    expect((await onboard({ title: "New", description: "Funny jokes.", year: 1990 })).logged).toMatchObject({ textYears: [] });
    expect((await onboard({ title: "New", description: "Funny jokes.", genres: ["Comedy"] })).logged).not.toHaveProperty("textYears");
  });

  it("gets the guessed years from the service's describer, from the catalog items with the most similar text", async () => {
    const describe = itemDescriber(CATALOG.map((item, n) => ({ ...item, id: String(n), tags: [] })), disabledLlmClient());
    // 30 comedies say "funny jokes" alike: the first 10 (five from 1980, five from 1984) are the neighbours, evenly.
    expect((await describe({ title: "New", description: "Funny jokes." })).estimatedYears).toEqual([{ year: 1980, weight: 0.5 }, { year: 1984, weight: 0.5 }]);
    expect((await describe({ title: "New", description: "Funny jokes, released in 1999." })).estimatedYears).toBeUndefined();
  });

  it("places an item at the year the LLM gives when the text states none, without storing it", async () => {
    const catalog = CATALOG.map((item, n) => ({ ...item, id: String(n), tags: [] }));
    const llmAnswer = { genres: ["Comedy"], themes: [], mood: [], audience: "general", era: "1990s", keywords: [], summary: "Funny jokes." };
    const { client } = fakeLlmClient([reply(JSON.stringify({ ...llmAnswer, year: 2001 })), reply(JSON.stringify({ ...llmAnswer, year: 2001 }))]);
    const describe = itemDescriber(catalog, client);
    expect((await describe({ title: "New", description: "Funny jokes." })).estimatedYears).toEqual([{ year: 2001, weight: 1 }]);
    // A year the text states is the item's own and wins over the LLM's.
    expect((await describe({ title: "New", description: "Funny jokes, released in 1999." })).estimatedYears).toBeUndefined();

    const index = new MemoryIndex(2);
    const onboarding = new ItemOnboarding(index, new ItemStore(), map, () => false, { append() {} }, itemDescriber(catalog, fakeLlmClient([reply(JSON.stringify({ ...llmAnswer, year: 2001 }))]).client));
    const { item } = await onboarding.create({ id: "new", title: "New", description: "Funny jokes." });
    expect(item.year).toBeUndefined();
    expect(Array.from((await index.get("new"))!.vector)).toEqual(Array.from(map.mapTextAtYears(item, [{ year: 2001, weight: 1 }])));
  });
});
