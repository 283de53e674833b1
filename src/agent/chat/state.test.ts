import { describe, expect, it } from "vitest";
import { applyUpdate, describeState, emptyState, PreferenceState } from "./state.ts";
import { stateCodec } from "./state-token.ts";

const alien = { id: "1", title: "Alien" };
const heat = { id: "6", title: "Heat" };

describe("preference state updates", () => {
  it("lets the latest statement win: wanting un-avoids, liking un-dislikes", () => {
    let s = applyUpdate(emptyState(), { avoid: { genres: ["Horror"] }, disliked: [alien] });
    s = applyUpdate(s, { want: { genres: ["Horror"] }, liked: [alien] });
    expect(s.want.genres).toEqual(["Horror"]);
    expect(s.avoid.genres).toEqual([]);
    expect(s.liked).toEqual([alien]);
    expect(s.disliked).toEqual([]);
  });

  it("refines one year bound at a time and clears a bound the other one crosses", () => {
    let s = applyUpdate(emptyState(), { years: { min: 2001 } });
    s = applyUpdate(s, { years: { max: 2010 } });
    expect(s.years).toEqual({ min: 2001, max: 2010 });
    expect(applyUpdate(s, { years: { max: 1995 } }).years).toEqual({ max: 1995 });
    expect(applyUpdate(s, { years: { min: 1980, max: 1989 } }).years).toEqual({ min: 1980, max: 1989 });
  });

  it("drops what the user takes back, resets on request, and caps its lists", () => {
    const s = applyUpdate(emptyState(), { liked: [alien, heat], want: { genres: ["Comedy"], tags: ["space"] } });
    expect(applyUpdate(s, { drop: ["alien", "SPACE"] })).toMatchObject({ liked: [heat], want: { genres: ["Comedy"], tags: [] } });
    expect(applyUpdate(s, { reset: true, k: 3 })).toEqual({ ...emptyState(), k: 3 });
    const many = Array.from({ length: 30 }, (_, i) => ({ id: String(i), title: `Film ${i}` }));
    const capped = applyUpdate(emptyState(), { liked: many });
    expect(capped.liked).toHaveLength(20);
    expect(capped.liked[19].id).toBe("29");
    expect(PreferenceState.safeParse(capped).success).toBe(true);
  });

  it("describes itself for replies and prompts", () => {
    const s = applyUpdate(emptyState(), { liked: [alien, heat], want: { genres: ["Comedy", "Romance"] }, avoid: { genres: ["Horror"] }, years: { min: 1990, max: 1999 } });
    expect(describeState(s)).toBe("Comedy or Romance, no Horror, from 1990 to 1999, similar to Alien and Heat");
    expect(describeState(emptyState())).toBe("");
  });
});

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("state tokens", () => {
  const state = applyUpdate(emptyState(), { liked: [{ id: "12", title: "Amélie ☕" }], k: 5 });

  it("round-trip unsigned without a key, and signed with one", async () => {
    const open = stateCodec(undefined);
    const token = await open.encode(state);
    expect(token.split(".")).toHaveLength(2);
    expect(await open.decode(token)).toEqual(state);
    const signed = stateCodec("secret");
    const signedToken = await signed.encode(state);
    expect(signedToken.split(".")).toHaveLength(3);
    expect(await signed.decode(signedToken)).toEqual(state);
  });

  it("refuse a tampered, unsigned or foreign state with a message that says what to do", async () => {
    const codec = stateCodec("secret");
    const [v, body, sig] = (await codec.encode(state)).split(".");
    const forged = base64url({ ...state, k: 50 });
    await expect(codec.decode(`${v}.${forged}.${sig}`)).rejects.toThrow(/signature does not match: the state was altered .*start a new conversation/);
    await expect(codec.decode(`${v}.${body}.${sig.slice(1)}`)).rejects.toThrow(/signature does not match/);
    await expect(codec.decode(`${v}.${body}`)).rejects.toThrow(/state is not signed/);
    await expect(stateCodec("other").decode(`${v}.${body}.${sig}`)).rejects.toThrow(/signed with another key/);
    await expect(codec.decode("garbage")).rejects.toMatchObject({ status: 400, code: "invalid_input" });
  });

  it("validate what an unsigned state says", async () => {
    const open = stateCodec(undefined);
    const token = (value: unknown) => `v1.${base64url(value)}`;
    await expect(open.decode(token({ ...state, k: 1000 }))).rejects.toThrow(/not a valid chat state/);
    await expect(open.decode(token({ ...state, admin: true }))).rejects.toThrow(/not a valid chat state/);
    await expect(open.decode("v1.%%%")).rejects.toThrow(/not a valid chat state/);
    await expect(open.decode("v1.bm90IGpzb24")).rejects.toThrow(/not a valid chat state/);
  });
});
