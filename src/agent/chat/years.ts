/**
 * Release-year constraints in chat text: decades ("from the 90s", "early 80s", "1990s", "nineties"), years
 * and ranges ("after 2000", "before 1995", "between 1990 and 1995", "1990-1995", "2010 or later").
 * Works on normalized words joined by spaces (see words.ts), so "'90s" is already "90s" and "1990-1995" is "1990 1995".
 */

export interface YearBounds {
  min?: number;
  max?: number;
}

interface Span {
  min: number;
  max: number;
}

const DECADE_WORDS: Record<string, number> = {
  twenties: 1920, thirties: 1930, forties: 1940, fifties: 1950, sixties: 1960, seventies: 1970, eighties: 1980, nineties: 1990, noughties: 2000, aughts: 2000,
};
const YEAR = String.raw`(?:18[7-9]\d|19\d\d|20\d\d)`;
const DECADE = String.raw`(?:(?:early|mid|late)\s+)?(?:(?:18|19|20)?\d0s|${Object.keys(DECADE_WORDS).join("|")})`;
const when = (name: string) => String.raw`(?:the\s+)?(?<${name}>${YEAR}|${DECADE})`;
/** A constraint right after a negation ("nothing before 1990", "anything but the 80s") is left out rather than guessed at. */
const NEGATED = String.raw`(?:\b(?<neg>no|not|nothing|never|without|except|but)\s+)?`;
const END = String.raw`(?![\p{L}\p{N}])`;

type Groups = { a: string; b?: string; tail?: string };

const RULES: Array<{ re: string; bounds: (a: Span, g: Groups) => YearBounds }> = [
  {
    re: String.raw`(?:\b(?:between|from)\s+)?${when("a")}\s+(?:(?:to|and|until|till|through|thru)\s+)?${when("b")}`,
    bounds: (a, g) => ({ min: a.min, max: span(g.b!).max }),
  },
  { re: String.raw`\b(?:after|post|newer than|later than)\s+${when("a")}`, bounds: (a) => ({ min: a.max + 1 }) },
  { re: String.raw`\b(?:since|from)\s+${when("a")}\s+(?:on|onwards|onward)`, bounds: (a) => ({ min: a.min }) },
  { re: String.raw`\bsince\s+${when("a")}`, bounds: (a) => ({ min: a.min }) },
  { re: String.raw`\b(?:before|pre|older than|earlier than)\s+${when("a")}`, bounds: (a) => ({ max: a.min - 1 }) },
  { re: String.raw`\b(?:until|till|up to)\s+${when("a")}`, bounds: (a) => ({ max: a.max }) },
  {
    re: String.raw`\b${when("a")}(?:\s+(?:or|and)\s+(?<tail>later|newer|after|earlier|older|before)|\s+(?<tail2>onwards|onward))?`,
    bounds: (a, g) => (g.tail === undefined ? a : /later|newer|after|onward/.test(g.tail) ? { min: a.min } : { max: a.max }),
  },
];
const PATTERNS = RULES.map(({ re, bounds }) => ({ re: new RegExp(`${NEGATED}${re}${END}`, "gu"), bounds }));

/** The years a year or decade spans: "1995" -> 1995..1995, "90s" -> 1990..1999, "late 80s" -> 1987..1989. */
function span(text: string): Span {
  if (new RegExp(`^${YEAR}$`).test(text)) return { min: Number(text), max: Number(text) };
  const [, part, name] = /^(?:(early|mid|late)\s+)?(.+)$/.exec(text)!;
  const start = DECADE_WORDS[name] ?? decadeStart(name.slice(0, -1));
  if (part === "early") return { min: start, max: start + 3 };
  if (part === "mid") return { min: start + 3, max: start + 6 };
  if (part === "late") return { min: start + 7, max: start + 9 };
  return { min: start, max: start + 9 };
}

/** "90" -> 1990, "00" -> 2000, "10" -> 2010, "20" -> 1920 (a film catalog reaches back further than forward), "1990" -> 1990. */
function decadeStart(digits: string): number {
  if (digits.length === 4) return Number(digits);
  const d = Number(digits);
  return d <= 10 ? 2000 + d : 1900 + d;
}

/**
 * Every year constraint in the text, later patterns refining earlier ones ("after 2000 and before 2010"),
 * and the text with those constraints blanked out so that nothing else reads their numbers.
 */
export function parseYears(text: string): { bounds: YearBounds; rest: string } {
  const bounds: YearBounds = {};
  let rest = text;
  for (const { re, bounds: toBounds } of PATTERNS) {
    rest = rest.replace(re, (...args: unknown[]) => {
      const g = args[args.length - 1] as Groups & { neg?: string; tail2?: string };
      if (g.neg === undefined) Object.assign(bounds, toBounds(span(g.a), { ...g, tail: g.tail ?? g.tail2 }));
      return " ";
    });
  }
  return { bounds, rest };
}
