import { FIXTURE_ITEMS, fixtureApp } from "../../http/api.fixture.ts";
import { MemoryIndex } from "../../index/memory.ts";
import { ChatAgent, type ChatAgentOptions } from "./agent.ts";
import { RuleParser } from "./rule-parser.ts";
import { TitleResolver } from "./titles.ts";
import { ChatVocabulary } from "./vocabulary.ts";

/** The chat's language tools over the twelve-film fixture; vectors do not matter to title search. */
export function fixtureLanguage() {
  const index = MemoryIndex.fromArrays(FIXTURE_ITEMS, new Float32Array(FIXTURE_ITEMS.length), 1);
  const vocabulary = ChatVocabulary.fromItems(FIXTURE_ITEMS);
  const titles = new TitleResolver(index, vocabulary);
  return { index, vocabulary, titles, rules: new RuleParser(vocabulary, titles) };
}

/** A chat agent over the fixture's trained model and index, with the options under test. */
export async function fixtureAgent(options: Partial<Pick<ChatAgentOptions, "llm" | "questions">> = {}): Promise<ChatAgent> {
  const fx = await fixtureApp({ writable: false, makeIndex: async (d) => new MemoryIndex(d) });
  return new ChatAgent({ recommendations: fx.deps.recommendations, index: fx.deps.index, vocabulary: ChatVocabulary.fromItems(fx.build.items), ...options });
}
