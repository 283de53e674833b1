import { describe, expect, it } from "vitest";
import type { ChatAgent, ChatTurn, ChatTurnInput } from "../agent/chat/agent.ts";
import { fixtureAgent } from "../agent/chat/chat.fixture.ts";
import { emptyState, type Question } from "../agent/chat/state.ts";
import type { Item } from "../core/types.ts";
import { FIXTURE_ITEMS } from "../http/api.fixture.ts";
import { NO_USAGE } from "../llm/types.ts";
import { answer, chatSimTable, nameFilm, sampleUsers, type SimUser, simulate, summarize } from "./chat-sim.ts";

const film = (id: string) => FIXTURE_ITEMS.find((i) => i.id === id)!;
const heat = film("6");

/** An agent that plays back turns and records what the simulated user said. */
function scripted(turns: Array<{ question?: Question; ids?: string[] }>) {
  const said: string[] = [];
  const agent: Pick<ChatAgent, "turn"> = {
    async turn(input: ChatTurnInput): Promise<ChatTurn> {
      said.push(input.message);
      const t = turns[said.length - 1] ?? {};
      const recommendations = (t.ids ?? []).map((id) => ({ ...film(id), score: 1, reasons: [] }));
      return { state: emptyState(), recommendations, question: t.question, parser: "rules", fallbacks: [], unresolved: [], usage: NO_USAGE, message: input.message };
    },
  };
  return { agent, said };
}

describe("simulated user", () => {
  it("names films as a person would, and answers questions truthfully from the hidden target", () => {
    expect(nameFilm({ id: "x", title: "Mask, The", year: 1994, genres: [], tags: [] })).toBe("I liked The Mask (1994)");
    expect(nameFilm({ id: "y", title: "Amelie (Fabuleux destin d'Amélie Poulain, Le)", year: 2001, genres: [], tags: [] })).toBe("I liked Amelie (2001)");
    expect(answer({ attribute: "genre", options: ["Comedy", "Crime", "Action"] }, heat)).toBe("Crime");
    expect(answer({ attribute: "genre", options: ["Comedy", "Romance"] }, heat)).toBe("Action");
    expect(answer({ attribute: "decade", options: ["1980s", "2000s"] }, heat)).toBe("1990s");
    expect(answer({ attribute: "genre", options: ["Comedy", "Romance"] }, { ...heat, genres: [] })).toBe("any");
  });

  it("starts by naming a liked film, answers when asked, and stops at the first turn that shows the target", async () => {
    const { agent, said } = scripted([{ question: { attribute: "genre", options: ["Comedy", "Action"] }, ids: ["7"] }, { ids: ["9"] }, { ids: ["5", "6"] }, { ids: ["6"] }]);
    const user: SimUser = { id: "u", target: heat, liked: [film("1"), film("2")] };
    const outcome = await simulate(agent, user, { maxTurns: 5, k: 2 });
    expect(said).toEqual(["I liked Alien (1979)", "Action", "I liked Aliens (1986)"]);
    expect(outcome).toMatchObject({ successTurn: 3, questions: 1 });
  });

  it("runs out of films to name without failing, and reports no success", async () => {
    const { agent, said } = scripted([]);
    const outcome = await simulate(agent, { id: "u", target: heat, liked: [film("1")] }, { maxTurns: 3, k: 2 });
    expect(said).toEqual(["I liked Alien (1979)", "something else", "something else"]);
    expect(outcome.successTurn).toBeUndefined();
  });

  it("summarizes success within T turns and mean turns to success", () => {
    const outcomes = [1, 3, undefined, undefined].map((successTurn) => ({ successTurn, questions: 1, fallbacks: 0, usage: NO_USAGE }));
    expect(summarize("p", "rules", outcomes, { maxTurns: 3, k: 10 })).toMatchObject({ users: 4, success: { T1: 0.25, T2: 0.25, T3: 0.5 }, mean_turns_to_success: 2, mean_questions: 1 });
  });

  it("samples users with a liked, recommendable test target and liked train films, the same for the same seed", () => {
    const row = (user: string, item: string, value: number) => ({ user, item, value, timestamp: 0 });
    const train = [row("a", "1", 5), row("a", "2", 2), row("a", "3", 4), row("b", "7", 5), row("c", "8", 1)];
    const test = [row("a", "4", 5), row("a", "5", 1), row("b", "404", 5), row("c", "9", 4)];
    const itemOf = (id: string): Item | undefined => FIXTURE_ITEMS.find((i) => i.id === id);
    const users = sampleUsers(train, test, itemOf, new Set(["1", "2", "3", "4", "5", "7", "8", "9"]), { users: 10, seed: 3 });
    expect(users.map((u) => u.id).sort()).toEqual(["a", "c"]);
    const a = users.find((u) => u.id === "a")!;
    expect(a.target.id).toBe("4");
    expect(a.liked.map((i) => i.id).sort()).toEqual(["1", "3"]);
    expect(users.find((u) => u.id === "c")!.liked.map((i) => i.id)).toEqual(["8"]);
    expect(sampleUsers(train, test, itemOf, new Set(["4", "9"]), { users: 10, seed: 3 })).toEqual(users);
  });

  it("measures both question policies end to end on the fixture", async () => {
    const users: SimUser[] = [
      { id: "action fan", target: film("4"), liked: [film("3"), film("5")] },
      { id: "romance fan", target: film("11"), liked: [film("7"), film("8")] },
      { id: "mixed", target: film("6"), liked: [film("12"), film("9")] },
    ];
    const opts = { maxTurns: 4, k: 2 };
    for (const questions of ["never", "entropy"] as const) {
      const agent = await fixtureAgent({ questions });
      const outcomes = [];
      for (const user of users) outcomes.push(await simulate(agent, user, opts));
      const report = summarize(questions, "rules", outcomes, opts);
      const curve = Object.values(report.success);
      expect(curve).toEqual([...curve].sort((a, b) => a - b));
      expect(report.mean_questions > 0).toBe(questions === "entropy");
    }
  });
});

describe("chatSimTable", () => {
  it("lays out success per turn limit, and says why a policy was skipped", () => {
    const ran = { ...summarize("ask-first", "rules", [{ successTurn: 2, questions: 1, fallbacks: 0, usage: NO_USAGE }, { questions: 0, fallbacks: 0, usage: NO_USAGE }], { maxTurns: 2, k: 10 }), seed: 1, seconds: 0.1 };
    const { header, rows } = chatSimTable([ran, { eval: "chat-sim", policy: "ask-first-llm", skipped: "no endpoint" }]);
    expect(header).toEqual(["policy", "parser", "users", "success T1", "success T2", "mean turns", "questions"]);
    expect(rows[0]).toEqual(["ask-first", "rules", "2", "0.000", "0.500", "2.00", "0.50"]);
    expect(rows[1]).toEqual(["ask-first-llm", "-", "-", "", "", "skipped: no endpoint", ""]);
  });
});
