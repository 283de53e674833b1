import type { VectorIndex } from "../../index/types.ts";
import { type LlmClient, LlmError, type LlmFailure, type LlmUsage, NO_USAGE } from "../../llm/types.ts";
import type { RecommendedItem, RecommendService } from "../recommend-service.ts";
import { PARSE_STAGE, parseWithLlm } from "./llm-parser.ts";
import { chooseQuestion } from "./question.ts";
import { llmReply, REPLY_STAGE, type ReplyContext, templateReply } from "./reply.ts";
import { retrieveCandidates } from "./retrieve.ts";
import { RuleParser } from "./rule-parser.ts";
import { addresses, applyUpdate, DEFAULT_K, emptyState, type PreferenceState, type Question, type StateUpdate } from "./state.ts";
import { TitleResolver } from "./titles.ts";
import type { ChatVocabulary } from "./vocabulary.ts";

/** entropy: ask the best-splitting question while the state is vague; never: always just recommend. */
export type QuestionPolicy = "entropy" | "never";

/** Liked titles, wanted attributes and a year range each count one; at this many the agent stops asking. */
const SPECIFIC_ENOUGH = 2;

export interface ChatAgentOptions {
  recommendations: RecommendService;
  /** For title search. */
  index: VectorIndex;
  vocabulary: ChatVocabulary;
  /** When enabled, parses messages and writes replies; its failures fall back to rules and templates. */
  llm?: LlmClient;
  questions?: QuestionPolicy;
}

export interface ChatTurnInput {
  /** The user's latest message. */
  message: string;
  /** The state the previous turn returned; absent on the first turn. */
  state?: PreferenceState;
  /** Earlier user messages, replayed through the rule parser when no state is given (a client that keeps only the transcript). */
  earlier?: readonly string[];
  /** How many recommendations, unless the user has said. */
  k?: number;
  signal?: AbortSignal;
}

/** An LLM stage that failed in this turn, and what it fell back to. */
export interface LlmFallback {
  stage: string;
  reason: LlmFailure;
  message: string;
}

export interface ChatTurn extends ReplyContext {
  state: PreferenceState;
  recommendations: RecommendedItem[];
  question?: Question;
  parser: "llm" | "rules";
  fallbacks: LlmFallback[];
  usage: LlmUsage;
}

export interface ChatReply {
  text: string;
  writer: "llm" | "template";
  fallback?: LlmFallback;
  usage: LlmUsage;
}

/** After these failures the endpoint is unlikely to answer the reply call of the same turn either. */
const STAGE_SPECIFIC: ReadonlySet<LlmFailure> = new Set(["malformed", "budget"]);

/**
 * Conversational recommendation over a preference state: each turn parses the message into state updates,
 * retrieves with the state, and either asks the question that best splits the candidates or just
 * recommends. Stateless: the state goes in and comes out, so any instance (or Worker) can take any turn.
 */
export class ChatAgent {
  private readonly titles: TitleResolver;
  private readonly rules: RuleParser;
  private readonly questions: QuestionPolicy;

  constructor(private readonly o: ChatAgentOptions) {
    this.titles = new TitleResolver(o.index, o.vocabulary);
    this.rules = new RuleParser(o.vocabulary, this.titles);
    this.questions = o.questions ?? "entropy";
  }

  get llmEnabled(): boolean {
    return this.o.llm?.enabled === true;
  }

  /** Parse, update the state, retrieve, decide whether to ask. The reply is written separately (see reply()). */
  async turn(input: ChatTurnInput): Promise<ChatTurn> {
    const before = input.state ?? (await this.replay(input.earlier ?? []));
    const { update, ...parsed } = await this.parse(input.message, before, input.signal);
    const answered = before.lastQuestion !== undefined && addresses(update, before.lastQuestion.attribute);
    const updated = applyUpdate(before, update);
    const candidates = await retrieveCandidates(this.o.recommendations, this.o.vocabulary, updated);
    const k = updated.k ?? input.k ?? DEFAULT_K;
    const question =
      this.questions === "entropy" && !answered && specificity(updated) < SPECIFIC_ENOUGH && candidates.length > k ? chooseQuestion(candidates, updated) : undefined;
    const { lastQuestion: _, ...rest } = updated;
    const state: PreferenceState = {
      ...rest,
      turn: updated.turn + 1,
      ...(question && { asked: [...updated.asked, question.attribute], lastQuestion: question }),
    };
    return { ...parsed, state, message: input.message, recommendations: candidates.slice(0, k), question };
  }

  /** The words of the turn: the LLM's when it is enabled and answers, the template's otherwise. */
  async reply(turn: ChatTurn, signal?: AbortSignal): Promise<ChatReply> {
    const template = (fallback?: LlmFallback, usage = NO_USAGE): ChatReply => ({ text: templateReply(turn), writer: "template", fallback, usage });
    if (!this.o.llm?.enabled) return template();
    const failed = turn.fallbacks.find((f) => !STAGE_SPECIFIC.has(f.reason));
    if (failed) return template({ stage: REPLY_STAGE, reason: failed.reason, message: `not tried: ${failed.stage} failed in this turn (${failed.message})` });
    try {
      const { text, usage } = await llmReply(this.o.llm, turn, signal);
      return { text, writer: "llm", usage };
    } catch (e) {
      if (!(e instanceof LlmError)) throw e;
      return template({ stage: REPLY_STAGE, reason: e.reason, message: e.message }, e.usage);
    }
  }

  private async parse(message: string, state: PreferenceState, signal?: AbortSignal): Promise<Pick<ChatTurn, "parser" | "fallbacks" | "unresolved" | "usage"> & { update: StateUpdate }> {
    const fallbacks: LlmFallback[] = [];
    let usage = NO_USAGE;
    if (this.o.llm?.enabled) {
      try {
        const parsed = await parseWithLlm(this.o.llm, { vocabulary: this.o.vocabulary, titles: this.titles }, message, state, signal);
        return { ...parsed, parser: "llm", fallbacks };
      } catch (e) {
        if (!(e instanceof LlmError)) throw e;
        fallbacks.push({ stage: PARSE_STAGE, reason: e.reason, message: e.message });
        usage = e.usage;
      }
    }
    return { update: await this.rules.parse(message), unresolved: [], parser: "rules", fallbacks, usage };
  }

  private async replay(messages: readonly string[]): Promise<PreferenceState> {
    let state = emptyState();
    for (const m of messages) state = applyUpdate(state, await this.rules.parse(m));
    return { ...state, turn: messages.length };
  }
}

function specificity(s: PreferenceState): number {
  const wants = s.want.genres.length + s.want.tags.length + s.want.moods.length > 0;
  const years = s.years.min !== undefined || s.years.max !== undefined;
  return s.liked.length + Number(wants) + Number(years);
}
