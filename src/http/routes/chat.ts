import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ChatReply, ChatTurn, ChatTurnInput, LlmFallback } from "../../agent/chat/agent.ts";
import { ATTRIBUTES, MAX_K } from "../../agent/chat/state.ts";
import { type StateCodec, stateCodec } from "../../agent/chat/state-token.ts";
import { chatPage } from "../chat-page.ts";
import type { AppDeps } from "../deps.ts";
import { ErrorBody, RecommendedItemOut } from "../schemas.ts";

const MAX_MESSAGES = 50;
const MAX_MESSAGE_CHARS = 2000;
const MAX_STATE_CHARS = 32_000;

const ChatMessage = z
  .object({
    role: z.enum(["user", "assistant"]),
    content: z.string().trim().min(1, "must not be empty").max(MAX_MESSAGE_CHARS),
  })
  .strict();

const ChatRequest = z
  .object({
    messages: z
      .array(ChatMessage)
      .min(1)
      .max(MAX_MESSAGES)
      .refine((m) => m[m.length - 1]?.role === "user", 'the last message must have role "user"')
      .openapi({ description: "The conversation so far; the last message is the one answered. Earlier user messages are replayed only when no state is sent." }),
    state: z.string().min(1).max(MAX_STATE_CHARS).optional().openapi({ description: "The state token of the previous response, sent back unchanged" }),
    k: z.number().int().min(1).max(MAX_K).optional().openapi({ description: "Recommendations per turn unless the user asks for a number (default 10)" }),
  })
  .strict()
  .openapi("ChatRequest");

const Question = z.object({ attribute: z.enum(ATTRIBUTES), options: z.array(z.string()) }).openapi("ChatQuestion");
const Fallback = z.object({ stage: z.string(), reason: z.string(), message: z.string() });

const ChatResponse = z
  .object({
    reply: z.string(),
    recommendations: z.array(RecommendedItemOut),
    question: Question.optional(),
    state: z.string().openapi({ description: "Opaque; send it back with the next message" }),
    parser: z.enum(["llm", "rules"]),
    writer: z.enum(["llm", "template"]),
    fallbacks: z.array(Fallback).optional().openapi({ description: "LLM stages that failed in this turn and fell back to rules or templates" }),
  })
  .openapi("ChatResponse");

const route = createRoute({
  method: "post",
  path: "/v1/chat",
  summary: "One turn of a conversational recommendation; with Accept: text/event-stream, server-sent events",
  request: { body: { content: { "application/json": { schema: ChatRequest } }, required: true } },
  responses: {
    200: {
      content: {
        "application/json": { schema: ChatResponse },
        "text/event-stream": { schema: z.string().openapi({ description: "events: recommendations, delta ({text}), error ({stage, reason, message}), state, done" }) },
      },
      description: "The reply, recommendations, maybe a question, and the next state",
    },
    400: { content: { "application/json": { schema: ErrorBody } }, description: "Invalid request or state" },
  },
});

export function mountChat(app: OpenAPIHono, deps: AppDeps): void {
  const codec = stateCodec(deps.chatStateKey ?? deps.writeKey);
  app.get("/", (c) => c.html(chatPage()));
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const users = body.messages.filter((m) => m.role === "user").map((m) => m.content);
    const input: ChatTurnInput = {
      message: users[users.length - 1],
      state: body.state === undefined ? undefined : await codec.decode(body.state),
      earlier: users.slice(0, -1),
      k: body.k,
      signal: c.req.raw.signal,
    };
    if (wantsEvents(c)) return streamTurn(c, deps, codec, input);
    const turn = await deps.chat.turn(input);
    const reply = await deps.chat.reply(turn, input.signal);
    const result = await outcome(turn, reply, codec, deps);
    return c.json({ reply: reply.text, ...result, ...itemsOf(turn) }, 200);
  });
}

const wantsEvents = (c: Context) => (c.req.header("accept") ?? "").includes("text/event-stream");

/**
 * Events in order: error if the LLM parser failed (the rules took over), recommendations (as soon as
 * retrieval is done, before the reply is written), error if the LLM reply failed (the template took over),
 * delta with the reply text (one: the LLM client does not stream tokens), state, done. An unexpected failure
 * ends the stream with an error event and done, so a client never waits on a dead connection.
 */
function streamTurn(c: Context, deps: AppDeps, codec: StateCodec, input: ChatTurnInput): Response {
  const { chat } = deps;
  return streamSSE(c, async (stream) => {
    const send = (event: string, data: unknown) => stream.writeSSE({ event, data: JSON.stringify(data) });
    try {
      const turn = await chat.turn(input);
      for (const f of turn.fallbacks) await send("error", f);
      await send("recommendations", itemsOf(turn));
      const reply = await chat.reply(turn, input.signal);
      if (reply.fallback) await send("error", reply.fallback);
      await send("delta", { text: reply.text });
      await send("state", await outcome(turn, reply, codec, deps));
    } catch (e) {
      c.var.log.error({ err: e }, "chat stream failed");
      await send("error", { stage: "chat", reason: "internal", message: "the turn failed; the server log has the details" });
    }
    await send("done", {});
  });
}

function itemsOf(turn: ChatTurn) {
  return {
    recommendations: turn.recommendations.map((i) => ({ id: i.id, title: i.title, year: i.year, genres: i.genres, score: i.score, reasons: i.reasons })),
    ...(turn.question && { question: turn.question }),
  };
}

/** What the turn came to, in the response's words; the LLM stages that fell back are counted in the metrics. */
async function outcome(turn: ChatTurn, reply: ChatReply, codec: StateCodec, deps: Pick<AppDeps, "metrics">) {
  const fallbacks: LlmFallback[] = [...turn.fallbacks, ...(reply.fallback ? [reply.fallback] : [])];
  for (const f of fallbacks) deps.metrics?.fallback(f.stage, f.reason);
  return { state: await codec.encode(turn.state), parser: turn.parser, writer: reply.writer, ...(fallbacks.length > 0 && { fallbacks }) };
}
