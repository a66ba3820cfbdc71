/**
 * CIDR parsing and address matching for trunk source-address allow-lists, IPv4 and IPv6.
 *
 * Every address is handled in one 128-bit space: an IPv4 address `a.b.c.d` is the IPv4-mapped
 * IPv6 address `::ffff:a.b.c.d`, and an IPv4 CIDR `a.b.c.d/n` is `::ffff:a.b.c.d/(96+n)`. So a
 * dual-stack socket's `::ffff:203.0.113.5` matches `203.0.113.0/24`, and `203.0.113.5` matches
 * `::ffff:203.0.113.0/120`. A consequence worth knowing: `::/0` admits every address, IPv4
 * included, while `0.0.0.0/0` admits only IPv4 (and IPv4-mapped) addresses.
 */

/** A parsed CIDR block. */
export interface Cidr {
  /** The family it was written in. */
  family: 4 | 6;
  /** Network address as 16 bytes (IPv4 as IPv4-mapped IPv6), host bits cleared. */
  bytes: Uint8Array;
  /** Prefix length in the 128-bit space (IPv4 `/24` is 120). */
  prefix: number;
  /** Prefix length as written (`/24` is 24 for IPv4). */
  writtenPrefix: number;
}

/**
 * Parses `address/prefix` (`203.0.113.0/24`, `2001:db8::/32`). A bare address is a single host
 * (`/32` or `/128`). Host bits set below the prefix (`10.1.2.3/8`) are accepted and cleared, as
 * most firewalls do. Zone ids (`fe80::1%eth0`) are refused: they are local to one host.
 *
 * @throws Error with the reason when the text is not a CIDR.
 */
export function parseCidr(text: string): Cidr {
  const reason = cidrProblem(text);
  if (typeof reason === 'string')
    throw new Error(`invalid CIDR ${JSON.stringify(text)}: ${reason}`);
  return reason;
}

/** Returns why `text` is not a valid CIDR (see {@link parseCidr}), or `undefined` if it is. */
export function validateCidr(text: string): string | undefined {
  const result = cidrProblem(text);
  return typeof result === 'string' ? result : undefined;
}

/**
 * Whether `address` lies inside `cidr`. The address may be IPv4, IPv6, IPv4-mapped IPv6, in
 * brackets (`[::1]`) or with a zone id (`fe80::1%eth0`, the zone is ignored). An address that
 * does not parse is never inside: callers use this for allow-lists, which must fail closed.
 *
 * @throws Error when `cidr` is a string that is not a valid CIDR (a configuration error).
 */
export function addressInCidr(address: string, cidr: string | Cidr): boolean {
  const block = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const addr = parseIpAddress(address);
  if (!addr) return false;
  const full = block.prefix >> 3;
  for (let i = 0; i < full; i++) if (addr.bytes[i] !== block.bytes[i]) return false;
  const rest = block.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (addr.bytes[full]! & mask) === block.bytes[full];
}

/**
 * Parses an IPv4 or IPv6 address into 16 bytes (IPv4 as IPv4-mapped IPv6), or `undefined`.
 * Accepts `[…]` brackets and ignores a `%zone` suffix on IPv6.
 */
export function parseIpAddress(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.includes(':')) {
    const zone = s.indexOf('%');
    if (zone >= 0) s = s.slice(0, zone);
    const bytes = parseIpv6(s);
    return bytes && { family: 6, bytes };
  }
  const v4 = parseIpv4(s);
  return v4 && { family: 4, bytes: mapped(v4) };
}

function cidrProblem(text: string): Cidr | string {
  const s = text.trim();
  if (s === '') return 'empty';
  const slash = s.indexOf('/');
  const addrText = slash >= 0 ? s.slice(0, slash) : s;
  const prefixText = slash >= 0 ? s.slice(slash + 1) : undefined;
  if (addrText.includes('%')) return 'zone ids (%…) are not allowed in a CIDR';
  let family: 4 | 6;
  let bytes: Uint8Array;
  if (addrText.includes(':')) {
    const v6 = parseIpv6(addrText);
    if (!v6) return 'not an IPv6 address';
    family = 6;
    bytes = v6;
  } else {
    const v4 = parseIpv4(addrText);
    if (!v4) return 'not an IPv4 address';
    family = 4;
    bytes = mapped(v4);
  }
  const max = family === 4 ? 32 : 128;
  let writtenPrefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return 'prefix length must be a number';
    writtenPrefix = Number(prefixText);
    if (writtenPrefix > max) return `prefix length must be 0–${max}`;
  }
  const prefix = family === 4 ? 96 + writtenPrefix : writtenPrefix;
  // Clear host bits, so matching can compare the network bytes directly.
  for (let bit = prefix; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { family, bytes, prefix, writtenPrefix };
}

function mapped(v4: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes.set(v4, 12);
  return bytes;
}

// Strict dotted quad: four decimal octets 0–255 without leading zeros. inet_aton's shorthand
// forms (`10.1`, `0x0a.0.0.1`, octal `010.0.0.1`) are refused: they are ambiguous in an
// allow-list, where a misread rule opens the door to the wrong network.
function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | undefined {
  if (s === '' || s.split('::').length > 2) return undefined;
  const words: number[] = [];
  let tail = s;
  // An embedded IPv4 address may end the text (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`).
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = s.slice(0, lastColon + 1) + `${hex(v4[0]!, v4[1]!)}:${hex(v4[2]!, v4[3]!)}`;
  }
  const [head = '', rest] = tail.split('::') as [string, string | undefined];
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  if (!left || !right) return undefined;
  if (rest === undefined) {
    if (left.length !== 8) return undefined;
    words.push(...left);
  } else {
    // `::` stands for at least one zero group (RFC 5952 §4.2.2 allows exactly one too).
    const zeros = 8 - left.length - right.length;
    if (zeros < 1) return undefined;
    words.push(...left, ...new Array<number>(zeros).fill(0), ...right);
  }
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

function hex(a: number, b: number): string {
  return ((a << 8) | b).toString(16);
}
