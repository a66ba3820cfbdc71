/** A Warning header (RFC 3261 §20.43) that tells the sender what was wrong with its request. */
export function warning(text: string): [string, string] {
  // 399 is "miscellaneous warning"; the text is a quoted-string, so quotes and backslashes go.
  return ['Warning', `399 switchboard "${text.replace(/["\\]/g, "'")}"`];
}
