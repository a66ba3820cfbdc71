/**
 * REGISTER with digest authentication (RFC 3261 §10, RFC 7616) for the bridge mode's callee
 * accounts: each binds `sip:<user>@<generator>` so that the server's INVITE to the user comes
 * back to the generator.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { SipEndpoint } from './sip-endpoint.js';
import { buildRegister, digestAuthorization, newBranch, newToken, parseChallenges } from './sip.js';

/** A callee account for bridge mode. */
export interface BenchUser {
  name: string;
  password: string;
}

/**
 * Registers `users`, `rate` per second, each for an hour.
 *
 * @returns the users whose registration failed, with the reason
 */
export async function registerUsers(
  sip: SipEndpoint,
  registrar: { host: string; port: number },
  localHost: string,
  users: readonly BenchUser[],
  rate: number,
  signal: AbortSignal,
): Promise<string[]> {
  const failures: string[] = [];
  const tasks: Promise<void>[] = [];
  const started = performance.now();
  for (const [i, user] of users.entries()) {
    if (signal.aborted) break;
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await delay(wait);
    tasks.push(
      registerOne(sip, registrar, localHost, user).then((err) => {
        if (err) failures.push(`${user.name}: ${err}`);
      }),
    );
  }
  await Promise.all(tasks);
  return failures;
}

/** One REGISTER, answering up to two challenges; resolves with an error text or `undefined`. */
async function registerOne(
  sip: SipEndpoint,
  registrar: { host: string; port: number },
  localHost: string,
  user: BenchUser,
): Promise<string | undefined> {
  const { host, port } = registrar;
  const callId = `${newToken()}@media-bench`;
  const fromTag = newToken(4);
  const contact = `sip:${user.name}@${localHost}:${sip.port}`;
  const uri = `sip:${host}:${port}`;
  let authorization: string | undefined;
  for (let cseq = 1; cseq <= 3; cseq++) {
    const branch = newBranch();
    const req = buildRegister(
      user.name,
      host,
      port,
      contact,
      callId,
      fromTag,
      cseq,
      branch,
      localHost,
      sip.port,
      3600,
      authorization,
    );
    const result = await sip.request('REGISTER', branch, req);
    if (result.kind !== 'final') return result.kind;
    const res = result.response;
    if (res.status >= 200 && res.status < 300) return undefined;
    if (res.status !== 401 && res.status !== 407) return `REGISTER ${res.status}`;
    // The first challenge whose algorithm this client speaks (MD5 or SHA-256).
    authorization = parseChallenges(res)
      .map((c) => digestAuthorization(c, 'REGISTER', uri, user.name, user.password))
      .find((a) => a !== undefined);
    if (!authorization) return 'no usable digest challenge';
  }
  return 'still challenged after authenticating';
}
