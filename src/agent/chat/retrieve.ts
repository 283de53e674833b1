import type { Filter } from "../../index/types.ts";
import type { RecommendedItem, RecommendService } from "../recommend-service.ts";
import type { PreferenceState } from "./state.ts";
import type { ChatVocabulary } from "./vocabulary.ts";

/** Candidates retrieved per turn: the pool questions are chosen over and boosts reorder. */
const CANDIDATES = 50;

/**
 * The candidates for a state: liked items folded in as the history (popular items when there are none),
 * hard constraints pushed into the index filter (wanted genres, unwanted genres, years, disliked items),
 * then soft preferences as a boost: items matching more wanted genres, tags and moods move up, items with
 * unwanted tags or moods move down, and retrieval order breaks ties.
 */
export async function retrieveCandidates(service: RecommendService, vocabulary: ChatVocabulary, state: PreferenceState): Promise<RecommendedItem[]> {
  const filter: Filter = {
    genresAny: state.want.genres,
    genresNone: state.avoid.genres,
    yearMin: state.years.min,
    yearMax: state.years.max,
    excludeIds: state.disliked.map((t) => t.id),
  };
  const { items } = await service.recommend({
    history: state.liked.map((t) => ({ itemId: t.id, weight: 1 })),
    k: CANDIDATES,
    filter,
    excludeSeen: true,
  });
  const score = boost(state, vocabulary);
  return items
    .map((item, rank) => ({ item, rank, boost: score(item) }))
    .sort((a, b) => b.boost - a.boost || a.rank - b.rank)
    .map((x) => x.item);
}

function boost(state: PreferenceState, vocabulary: ChatVocabulary): (item: RecommendedItem) => number {
  // A mood like "funny" counts as its genre when the vocabulary knows one; otherwise it is matched against tags.
  const wantedGenres = new Set([...state.want.genres, ...state.want.moods.flatMap((m) => vocabulary.genreNamed(m) ?? [])]);
  const wantedTags = new Set([...state.want.tags, ...state.want.moods].map((t) => t.toLowerCase()));
  const unwantedTags = new Set([...state.avoid.tags, ...state.avoid.moods].map((t) => t.toLowerCase()));
  const unwantedGenres = new Set(state.avoid.moods.flatMap((m) => vocabulary.genreNamed(m) ?? []));
  if (wantedGenres.size + wantedTags.size + unwantedTags.size + unwantedGenres.size === 0) return () => 0;
  return (item) => {
    const tags = item.tags.map((t) => t.toLowerCase());
    const matches = item.genres.filter((g) => wantedGenres.has(g)).length + tags.filter((t) => wantedTags.has(t)).length;
    const clashes = item.genres.filter((g) => unwantedGenres.has(g)).length + tags.filter((t) => unwantedTags.has(t)).length;
    return matches - clashes;
  };
}
