import { AppError } from "../core/errors.ts";
import type { Item } from "../core/types.ts";
import { MemoryIndex } from "../index/memory.ts";
import { IdMap } from "../data/idmap.ts";
import { disabledLlmClient } from "../llm/openai-client.ts";
import type { VectorIndex } from "../index/types.ts";
import type { LlmClient } from "../llm/types.ts";
import type { ContentMap } from "../models/content-map.ts";
import type { SavedModel } from "../models/persist.ts";
import { type FactorRecommender, isFactorRecommender } from "../models/recommender.ts";
import { restoreRecommender } from "../models/registry.ts";
import { ChatAgent } from "./chat/agent.ts";
import { ChatVocabulary } from "./chat/vocabulary.ts";
import { type FeedbackEvent, type FeedbackLog, FeedbackService } from "./feedback.ts";
import { HistoryStore } from "./history.ts";
import { ItemStore } from "./item-store.ts";
import { applyCatalogChanges, type CatalogChange, type CatalogLog, ItemOnboarding } from "./onboarding.ts";
import { type DescribedItem, describeItem, type ItemText } from "./metadata/describe.ts";
import { MetadataExtractor } from "./metadata/extract.ts";
import { RecommendService } from "./recommend-service.ts";

export interface ServiceInputs {
  saved: SavedModel;
  /** The model restored from `saved` (restoreFactorModel). */
  model: FactorRecommender;
  /** Catalog entries of the trained items, in model order. */
  items: readonly Item[];
  index: VectorIndex;
  contentMap: ContentMap;
  /** Changes and feedback recorded since the build, replayed in order. */
  catalogChanges?: readonly CatalogChange[];
  feedbackEvents?: readonly FeedbackEvent[];
  /** Durable logs for new writes; without them the deployment is read-only. */
  logs?: { catalog: CatalogLog; feedback: FeedbackLog };
  /**
   * The LLM for re-ranking, chat parsing and chat replies; absent or disabled, every LLM stage takes its
   * non-LLM path (retrieval order, rules, templates).
   */
  llm?: LlmClient;
}

export interface Services {
  recommendations: RecommendService;
  items: ItemStore;
  index: VectorIndex;
  llm: LlmClient;
  onboarding?: ItemOnboarding;
  feedback?: FeedbackService;
  chat: ChatAgent;
}

/** Wires the services from a trained build; the same code runs on Node (LanceDB) and Workers (memory index). */
export async function assembleServices(input: ServiceInputs): Promise<Services> {
  const itemIds = IdMap.from(input.saved.items);
  const isTrained = (id: string) => itemIds.get(id) !== undefined;
  const store = new ItemStore(input.items);
  await applyCatalogChanges(input.catalogChanges ?? [], input.index, store, isTrained);

  const histories = historiesFromTraining(input.saved);
  for (const e of input.feedbackEvents ?? []) histories.append(e.userId, { itemId: e.itemId, weight: e.weight });

  const llm = input.llm ?? disabledLlmClient();
  const recommendations = new RecommendService({ model: input.model, items: itemIds, popular: popularIds(input.saved) }, input.index, histories, store, { llm });
  const chat = new ChatAgent({ recommendations, index: input.index, vocabulary: ChatVocabulary.fromItems(input.items), llm });
  if (!input.logs) return { recommendations, items: store, index: input.index, llm, chat };
  return {
    recommendations,
    items: store,
    index: input.index,
    llm,
    chat,
    onboarding: new ItemOnboarding(input.index, store, input.contentMap, isTrained, input.logs.catalog, itemDescriber(input.items, llm)),
    feedback: new FeedbackService(input.logs.feedback, histories, store),
  };
}

/** Item text -> metadata: the LLM when configured, the catalog-vocabulary extractor otherwise or on failure. */
export function itemDescriber(items: readonly Item[], llm: LlmClient): (item: ItemText) => Promise<DescribedItem> {
  const extractor = MetadataExtractor.fromCatalog(items);
  return (item) => describeItem(llm, item, extractor.vocabulary, (x) => extractor.extract(x));
}

/** The saved model, which must be a factor model: the service retrieves by its item vectors. */
export function restoreFactorModel(saved: SavedModel): FactorRecommender {
  const model = restoreRecommender(saved.artifact);
  if (!isFactorRecommender(model)) throw new AppError("not_servable", `model ${model.name} has no item vectors to serve; train als or bpr`);
  return model;
}

/** A flat in-memory index over the trained items' vectors. */
export function memoryIndexOf(model: FactorRecommender, items: readonly Item[]): MemoryIndex {
  return MemoryIndex.fromArrays(items, model.itemVectors(), model.factors);
}

function historiesFromTraining(saved: SavedModel): HistoryStore {
  const store = new HistoryStore();
  const { indptr, indices, values } = saved.seen;
  for (let u = 0; u < saved.seen.rows; u++) {
    for (let p = indptr[u]; p < indptr[u + 1]; p++) store.append(saved.users[u], { itemId: saved.items[indices[p]], weight: values[p] });
  }
  return store;
}

/** Trained items by number of users, most first; ties by model order. */
function popularIds(saved: SavedModel): string[] {
  const counts = new Int32Array(saved.items.length);
  for (const i of saved.seen.indices) counts[i]++;
  return Array.from(counts.keys())
    .sort((a, b) => counts[b] - counts[a] || a - b)
    .map((i) => saved.items[i]);
}
