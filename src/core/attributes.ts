import { z } from "zod";
import type { ItemAttributes } from "./types.ts";

/** Limits on an item's attributes: enough for a director, a cast list and a runtime, too little to smuggle a document in. */
export const ATTRIBUTE_LIMITS = { keys: 50, keyChars: 64, valueChars: 500, listItems: 100 } as const;

/** Attribute names: letters, digits, "_", "-" and "."; no "=" or spaces, so a name is one unambiguous feature key. */
const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * An item's free-form attributes, as the items JSONL and the onboarding API take them: an object of name ->
 * string | finite number | boolean | list of strings. Every rejection names the attribute and says what is allowed.
 */
export const itemAttributesSchema = z.record(z.string(), z.unknown()).transform((raw, ctx): ItemAttributes => {
  const entries = Object.entries(raw);
  const problem = (message: string, path: Array<string | number> = []) => {
    ctx.addIssue({ code: "custom", message, path });
    return z.NEVER;
  };
  if (entries.length > ATTRIBUTE_LIMITS.keys) return problem(`at most ${ATTRIBUTE_LIMITS.keys} attributes, got ${entries.length}`);
  const out: ItemAttributes = {};
  for (const [name, value] of entries) {
    if (!NAME.test(name) || name.length > ATTRIBUTE_LIMITS.keyChars) {
      return problem(`attribute name ${JSON.stringify(name)}: use 1-${ATTRIBUTE_LIMITS.keyChars} letters, digits, "_", "-" or "."`, [name]);
    }
    const text = (s: string, path: Array<string | number>) => {
      if (s.trim() === "" || s.length > ATTRIBUTE_LIMITS.valueChars) return problem(`a text value must have 1-${ATTRIBUTE_LIMITS.valueChars} characters (not only spaces)`, path);
      return s;
    };
    if (typeof value === "string") out[name] = text(value, [name]);
    else if (typeof value === "boolean") out[name] = value;
    else if (typeof value === "number") {
      if (!Number.isFinite(value)) return problem("a number must be finite", [name]);
      out[name] = value;
    } else if (Array.isArray(value)) {
      if (value.length > ATTRIBUTE_LIMITS.listItems) return problem(`a list holds at most ${ATTRIBUTE_LIMITS.listItems} strings, got ${value.length}`, [name]);
      const list: string[] = [];
      for (const [k, element] of value.entries()) {
        if (typeof element !== "string") return problem(`a list holds strings only, got ${element === null ? "null" : typeof element}`, [name, k]);
        list.push(text(element, [name, k]));
      }
      out[name] = list;
    } else {
      return problem(`must be a string, a number, a boolean or a list of strings, got ${value === null ? "null" : typeof value}`, [name]);
    }
  }
  return out;
});
