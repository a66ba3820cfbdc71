/**
 * Dialled-number normalisation and number patterns for trunk and dispatch-rule matching.
 *
 * Pure string logic: no I/O, no SIP objects. Numbers are personal data, so nothing here logs
 * and error messages never quote the number being matched (they may quote the pattern, which
 * is configuration).
 */

/** Longest pattern accepted, of any kind (bounds compile work and regex size). */
export const MAX_PATTERN_LENGTH = 200;

/**
 * Longest number a `/regex/` pattern is run against. Phone numbers are at most 15 digits
 * (E.164) and SIP user names are short; refusing longer input bounds the cost of any
 * polynomial backtracking the validator cannot rule out.
 */
export const MAX_REGEX_INPUT_LENGTH = 64;

/** A pattern that {@link validateNumberPattern} rejects, thrown by the matching functions. */
export class InvalidNumberPatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`invalid number pattern ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'InvalidNumberPatternError';
  }
}

// Visual separators people and carriers put in numbers (RFC 3966 §5.1.1 also allows '.').
const SEPARATORS = /[\s\-().]/g;
// What is left of a phone number once separators are gone: digits, DTMF '*'/'#', one '+'.
const PHONE_LIKE = /^\+?[0-9*#]+$/;

/**
 * Normalises a dialled number or SIP/tel URI for matching.
 *
 * - trims, drops `<…>` brackets, a `tel:`, `sip:` or `sips:` scheme (any case), the host part
 *   (`@…`), URI parameters (`;…`) and URI headers (`?…`);
 * - when what remains looks like a phone number once spaces, dashes, parentheses and dots are
 *   removed (`+` then digits, `*`, `#`), returns it without them — a leading `+` is kept;
 * - otherwise (a SIP user name such as `alice.smith`) returns the user part unchanged, so names
 *   are not mangled by separator stripping.
 *
 * No national or international prefix rewriting: `+8610…`, `008610…` and `010…` stay distinct.
 */
export function normaliseNumber(raw: string): string {
  let s = raw.trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  s = s.replace(/^(?:tel|sips?):/i, '');
  // The user part ends at the host, a URI parameter or a URI header, whichever comes first.
  const end = s.search(/[@;?]/);
  if (end >= 0) s = s.slice(0, end);
  const compact = s.replace(SEPARATORS, '');
  return PHONE_LIKE.test(compact) ? compact : s.trim();
}

/** One element of a compiled wildcard pattern. */
type Token = { kind: 'char'; test: (c: string) => boolean } | { kind: 'run'; min: 0 | 1 };

type Compiled =
  | { kind: 'exact'; value: string }
  | { kind: 'wildcard'; tokens: Token[] }
  | { kind: 'regex'; re: RegExp };

const DIGIT = (c: string): boolean => c >= '0' && c <= '9';
// Characters an un-prefixed pattern may consist of to be read as a wildcard pattern: digits,
// '+', '#', '*', the wildcard letters and set brackets. Anything else (other letters, '@', …)
// makes it an exact value, so a SIP user name like "Nina" is never read as N-i-n-a.
const IMPLICIT_CHARS = /^[0-9+#*XxNnZz[\]\-.!]+$/;
const IMPLICIT_TRIGGER = /[XxNnZz[*]|[.!]$/;

/**
 * Validates a number pattern; returns why it is invalid, or `undefined` when it is fine. Call
 * it when a rule or trunk is created or changed, so a bad pattern is refused there rather than
 * failing at call time.
 *
 * Syntax (the number is normalised with {@link normaliseNumber} before matching):
 *
 * | Pattern | Meaning |
 * | --- | --- |
 * | `1000`, `+86 10 8888-6666` | exact; the pattern is normalised the same way as the number |
 * | `_…` | Asterisk dial-plan pattern; the rest is matched against the whole number |
 * | `4XXX`, `+1NXXNXXXXXX`, `*` globs | implicit pattern: no `_` needed when the pattern contains `X`, `N`, `Z`, `*` or ends in `.`/`!` and consists only of digits, `+`, `#`, `*`, those letters and `[…]` sets — or when it contains `[` at all |
 * | `/regex/` or `/regex/i` | JavaScript regex, searched (not anchored — write `^…$`) |
 *
 * Inside wildcard patterns (`_…` and implicit):
 * - `X` any digit 0–9, `N` 2–9, `Z` 1–9 (upper or lower case);
 * - `[135]`, `[1-5]`, `[1-37-9*#]` one character from the set (ranges of digits only);
 * - `.` at the end: one or more of anything; `!` at the end: zero or more of anything;
 * - `*`: in an implicit pattern, any run of characters (possibly empty), anywhere; in a `_`
 *   pattern, a literal `*` (the DTMF key), as in Asterisk. Match a literal `*` with `_` or `[*]`;
 * - every other character is literal; spaces, dashes and parentheses outside sets are ignored.
 *
 * Regex patterns run in V8's backtracking engine, so they are vetted against ReDoS: at most
 * {@link MAX_PATTERN_LENGTH} characters; no repeated group that itself contains a quantifier or
 * alternation (`(\d+)+`, `(a|b)*` — exponential backtracking); no back-references; and a bound
 * on polynomial backtracking — roughly, at most three unbounded quantifiers when anchored with
 * `^`, two when not, fewer when combined with many `?`, `{m,n}` or `|`. They are only run
 * against numbers up to {@link MAX_REGEX_INPUT_LENGTH} characters; longer numbers do not match.
 * Phone-number regexes (`/^(\+86|0086)?1[3-9]\d{9}$/`) are far inside these limits.
 */
export function validateNumberPattern(pattern: string): string | undefined {
  try {
    compile(pattern);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidNumberPatternError) return err.reason;
    throw err;
  }
}

/**
 * Whether `number` matches `pattern` (syntax: {@link validateNumberPattern}).
 *
 * @throws InvalidNumberPatternError when the pattern is invalid.
 */
export function matchNumberPattern(pattern: string, number: string): boolean {
  const compiled = compile(pattern);
  const n = normaliseNumber(number);
  switch (compiled.kind) {
    case 'exact':
      return compiled.value === n;
    case 'wildcard':
      return matchTokens(compiled.tokens, n);
    case 'regex':
      if (n.length > MAX_REGEX_INPUT_LENGTH) return false;
      compiled.re.lastIndex = 0;
      return compiled.re.test(n);
  }
}

// Rules are evaluated on every call; compiling once per distinct pattern keeps that cheap.
// Bounded so a stream of distinct (API-supplied) patterns cannot grow it without limit.
const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 1000;

function compile(pattern: string): Compiled {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const compiled = compileUncached(pattern);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

function compileUncached(pattern: string): Compiled {
  const fail = (reason: string): never => {
    throw new InvalidNumberPatternError(pattern, reason);
  };
  if (pattern.trim() === '') fail('pattern is empty');
  if (pattern.length > MAX_PATTERN_LENGTH) {
    fail(`pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  const p = pattern.trim();
  if (p.startsWith('/')) return { kind: 'regex', re: compileRegex(p, fail) };
  if (p.startsWith('_')) {
    const body = stripSeparatorsOutsideSets(p.slice(1));
    if (body === '') fail('pattern has nothing after "_"');
    return { kind: 'wildcard', tokens: tokenize(body, false, fail) };
  }
  const compact = stripSeparatorsOutsideSets(p);
  // A '[' can only mean a set (no number or user name contains one), so it always makes a
  // pattern — and a malformed set gets a precise error instead of silently matching literally.
  if ((IMPLICIT_CHARS.test(compact) && IMPLICIT_TRIGGER.test(compact)) || compact.includes('[')) {
    return { kind: 'wildcard', tokens: tokenize(compact, true, fail) };
  }
  const value = normaliseNumber(p);
  if (value === '') fail('pattern is empty');
  return { kind: 'exact', value };
}

function stripSeparatorsOutsideSets(s: string): string {
  let out = '';
  let inSet = false;
  for (const c of s) {
    if (c === '[') inSet = true;
    else if (c === ']') inSet = false;
    if (!inSet && (c === ' ' || c === '\t' || c === '-' || c === '(' || c === ')')) continue;
    out += c;
  }
  return out;
}

function tokenize(body: string, implicit: boolean, fail: (reason: string) => never): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    const last = i === body.length - 1;
    switch (c) {
      case 'X':
      case 'x':
        tokens.push({ kind: 'char', test: DIGIT });
        break;
      case 'N':
      case 'n':
        tokens.push({ kind: 'char', test: (d) => d >= '2' && d <= '9' });
        break;
      case 'Z':
      case 'z':
        tokens.push({ kind: 'char', test: (d) => d >= '1' && d <= '9' });
        break;
      case '.':
      case '!':
        if (!last) fail(`"${c}" may only appear at the end of a pattern`);
        tokens.push({ kind: 'run', min: c === '.' ? 1 : 0 });
        break;
      case '*':
        tokens.push(implicit ? { kind: 'run', min: 0 } : { kind: 'char', test: (d) => d === c });
        break;
      case '[': {
        const close = body.indexOf(']', i + 1);
        if (close < 0) fail('"[" without a closing "]"');
        tokens.push({ kind: 'char', test: compileSet(body.slice(i + 1, close), fail) });
        i = close;
        break;
      }
      case ']':
        fail('"]" without an opening "["');
        break;
      default:
        tokens.push({ kind: 'char', test: (d) => d === c });
    }
  }
  return tokens;
}

function compileSet(content: string, fail: (reason: string) => never): (c: string) => boolean {
  if (content === '') fail('empty set "[]"');
  const chars = new Set<string>();
  for (let i = 0; i < content.length; i++) {
    const c = content[i]!;
    if (content[i + 1] === '-' && i + 2 < content.length) {
      const to = content[i + 2]!;
      if (!DIGIT(c) || !DIGIT(to)) fail(`range "${c}-${to}" must be between digits`);
      if (to < c) fail(`range "${c}-${to}" is reversed`);
      for (let d = c.charCodeAt(0); d <= to.charCodeAt(0); d++) chars.add(String.fromCharCode(d));
      i += 2;
    } else if (DIGIT(c) || c === '*' || c === '#' || c === '+') {
      chars.add(c);
    } else {
      fail(`"${c}" is not allowed in a set; use digits, "*", "#", "+" and digit ranges`);
    }
  }
  return (c) => chars.has(c);
}

/**
 * Matches tokens against the whole input by tracking the set of reachable positions (an NFA
 * simulation) in O(tokens × length): no backtracking, so no pattern can blow up.
 */
function matchTokens(tokens: readonly Token[], input: string): boolean {
  // reachable[i] = the first i input characters can be consumed by the tokens seen so far.
  let reachable = new Array<boolean>(input.length + 1).fill(false);
  reachable[0] = true;
  for (const token of tokens) {
    const next = new Array<boolean>(input.length + 1).fill(false);
    if (token.kind === 'char') {
      for (let i = 0; i < input.length; i++) {
        if (reachable[i] && token.test(input[i]!)) next[i + 1] = true;
      }
    } else {
      // A run of at least `min` characters: everything from the first reachable position
      // (+ min) onwards becomes reachable.
      const first = reachable.indexOf(true);
      if (first >= 0) for (let i = first + token.min; i <= input.length; i++) next[i] = true;
    }
    reachable = next;
  }
  return reachable[input.length] === true;
}

function compileRegex(p: string, fail: (reason: string) => never): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(p);
  if (!m) fail('a regex pattern must look like /…/ (optionally /…/i)');
  const [, source, flags] = m as unknown as [string, string, string];
  if (source === '') fail('regex is empty');
  if (flags !== '' && flags !== 'i') fail(`regex flag "${flags}" is not supported (only "i")`);
  const unsafe = unsafeRegexReason(source);
  if (unsafe) fail(unsafe);
  try {
    return new RegExp(source, flags);
  } catch (err) {
    return fail(`regex does not compile: ${(err as Error).message}`);
  }
}

/**
 * Budget for {@link unsafeRegexReason}'s estimate of a regex's backtracking work: the product of
 * the choices each variable quantifier and alternation offers, an unbounded quantifier counting
 * as {@link MAX_REGEX_INPUT_LENGTH} + 1 = 65, times 65 start positions unless the regex is
 * anchored with `^`. Measured at ~25 ns per unit in V8, so the worst admitted regex costs tens
 * of milliseconds per call: `^` plus three unbounded quantifiers (65³ ≈ 275 k) or two unanchored
 * pass; four anchored (17.9 M, ~0.5 s) do not.
 */
const REGEX_WORK_BUDGET = 1_000_000;

interface GroupScan {
  /** The group contains a variable quantifier (`*`, `+`, `?`, `{n,m}`) or an alternation. */
  ambiguous: boolean;
  /** Alternatives in the group (1 + the number of top-level `|`). */
  branches: number;
}

/**
 * A conservative, syntactic check for the regex shapes that make a backtracking engine like
 * V8's Irregexp slow: exponential ones — a repeated group whose body can itself match in several
 * ways (nested quantifiers, alternation under a quantifier) and back-references — and
 * high-degree polynomial ones (`\d*\d*\d*\d*\d*…`, `\d?` many times), caught by bounding the
 * product of the choices quantifiers and alternations offer ({@link REGEX_WORK_BUDGET}). It
 * refuses some harmless regexes (`(ab|cd)+`); phone-number routing never needs those shapes,
 * and a refusal explains itself.
 */
function unsafeRegexReason(source: string): string | undefined {
  const stack: GroupScan[] = [{ ambiguous: false, branches: 1 }];
  let work = 1;
  const tooComplex =
    'regex could backtrack too much: use fewer variable quantifiers (*, +, ?, {m,n}) and ' +
    'alternatives (|), and anchor it with ^';
  // What the previous atom was, to judge a following quantifier.
  let prev: 'none' | 'atom' | 'quantifier' | { group: GroupScan } = 'none';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      if (/[1-9k]/.test(source[i] ?? '')) {
        return 'back-references are not allowed in number patterns';
      }
      prev = 'atom';
      continue;
    }
    if (c === '[') {
      // Skip the character class; quantifier characters inside it are literals.
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
      prev = 'atom';
      continue;
    }
    if (c === '(') {
      stack.push({ ambiguous: false, branches: 1 });
      // Skip a group prefix: (?: (?= (?! (?<= (?<! (?<name>
      if (source[i + 1] === '?') {
        const named = /^\?<[A-Za-z_$][\w$]*>/.exec(source.slice(i + 1));
        i += named ? named[0].length : source[i + 2] === '<' ? 3 : 2;
      }
      prev = 'none';
      continue;
    }
    if (c === ')') {
      const group = stack.length > 1 ? stack.pop()! : { ambiguous: false, branches: 1 };
      // An ambiguous inner group keeps its parent ambiguous too.
      if (group.ambiguous) stack[stack.length - 1]!.ambiguous = true;
      work *= group.branches;
      if (work > REGEX_WORK_BUDGET) return tooComplex;
      prev = { group };
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1]!.ambiguous = true;
      stack[stack.length - 1]!.branches++;
      prev = 'none';
      continue;
    }
    const quant = quantifierAt(source, i);
    if (quant) {
      if (prev === 'quantifier') {
        // `a*?` / `a+?` lazy modifiers are not a second quantifier.
        if (c === '?') continue;
      }
      if (typeof prev === 'object' && quant.repeats && prev.group.ambiguous) {
        return 'nested quantifiers (a repeated group containing a quantifier or "|") are not allowed';
      }
      if (quant.variable) stack[stack.length - 1]!.ambiguous = true;
      work *= quant.choices;
      if (work > REGEX_WORK_BUDGET) return tooComplex;
      i += quant.length - 1;
      prev = 'quantifier';
      continue;
    }
    prev = 'atom';
  }
  // Top-level alternatives (`a|b`) multiply the work too; an unanchored regex (or one with a
  // top-level `|`, whose other branches are unanchored) is tried at every start position.
  work *= stack[0]!.branches;
  if (!source.startsWith('^') || stack[0]!.branches > 1) work *= MAX_REGEX_INPUT_LENGTH + 1;
  return work > REGEX_WORK_BUDGET ? tooComplex : undefined;
}

function quantifierAt(
  s: string,
  i: number,
): { length: number; repeats: boolean; variable: boolean; choices: number } | undefined {
  const unbounded = MAX_REGEX_INPUT_LENGTH + 1;
  const c = s[i];
  if (c === '*' || c === '+')
    return { length: 1, repeats: true, variable: true, choices: unbounded };
  if (c === '?') return { length: 1, repeats: false, variable: true, choices: 2 };
  if (c !== '{') return undefined;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(i));
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  // A repeat can take at most as many characters as the input has, so cap the choices there.
  const choices = Math.min(max, unbounded) - Math.min(min, unbounded) + 1;
  return { length: m[0].length, repeats: max > 1, variable: max !== min, choices };
}
