/**
 * Topic patterns of the event bus. One matcher serves both buses (and anyone else matching
 * event types against subscriptions, such as webhook filters), so `call.*` means the same
 * thing in-process and on Redis.
 *
 * @module
 */

/**
 * Whether `topic` matches `pattern`, segment by segment on `.`: a literal segment matches
 * itself, `*` in the middle matches exactly one segment, a trailing `*` matches one or more
 * segments, and `*` alone matches every topic.
 *
 * @example
 * topicMatches('call.*', 'call.answered'); // true
 * topicMatches('call.*', 'call.recording.started'); // true
 * topicMatches('call.*', 'participant.joined'); // false
 * topicMatches('call.*.started', 'call.recording.started'); // true
 */
export function topicMatches(pattern: string, topic: string): boolean {
  const want = pattern.split('.');
  const have = topic.split('.');
  for (let i = 0; i < want.length; i++) {
    const segment = want[i];
    // A trailing `*` swallows the rest, which must not be empty (`call.*` is not `call`).
    if (segment === '*' && i === want.length - 1) return have.length > i;
    if (i >= have.length) return false;
    if (segment !== '*' && segment !== have[i]) return false;
  }
  return have.length === want.length;
}

/** Throws a `TypeError` unless `pattern` is a valid subscription pattern (see {@link topicMatches}). */
export function assertValidPattern(pattern: string): void {
  if (typeof pattern !== 'string' || pattern === '') {
    throw new TypeError('event bus pattern must be a non-empty string');
  }
  for (const segment of pattern.split('.')) {
    if (segment === '') {
      throw new TypeError(`event bus pattern "${pattern}" has an empty segment`);
    }
    // Partial wildcards (`call.ans*`) would need a second syntax on Redis and invite
    // ambiguity; whole-segment `*` covers the event names we use.
    if (segment.includes('*') && segment !== '*') {
      throw new TypeError(
        `event bus pattern "${pattern}": "*" must stand alone as a whole segment (e.g. "call.*")`,
      );
    }
  }
}

/** Throws a `TypeError` unless `topic` is a concrete topic one can publish on. */
export function assertValidTopic(topic: string): void {
  if (typeof topic !== 'string' || topic === '') {
    throw new TypeError('event bus topic must be a non-empty string');
  }
  if (topic.includes('*')) {
    throw new TypeError(
      `event bus topic "${topic}" must not contain "*" (patterns are for subscribing)`,
    );
  }
  if (topic.split('.').includes('')) {
    throw new TypeError(`event bus topic "${topic}" has an empty segment`);
  }
}

/** Escapes Redis glob metacharacters so `text` matches only itself in PSUBSCRIBE / SCAN MATCH. */
export function escapeRedisGlob(text: string): string {
  return text.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}

/**
 * The Redis PSUBSCRIBE glob for a (valid) pattern. Redis's `*` also matches dots, so the glob
 * selects a superset of the pattern's topics; subscribers filter with {@link topicMatches}.
 */
export function patternToRedisGlob(prefix: string, pattern: string): string {
  const body = pattern
    .split('.')
    .map((segment) => (segment === '*' ? '*' : escapeRedisGlob(segment)))
    .join('.');
  return escapeRedisGlob(prefix) + body;
}
