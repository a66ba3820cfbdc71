/**
 * Admission of inbound INVITEs by inbound trunk: once trunks are configured, a call must come
 * from an address some trunk allows (403 otherwise), authenticate with the trunk's digest
 * credentials when it has some (407 challenge otherwise), and fit within that trunk's
 * concurrent-call limit (486 otherwise). With no trunks at all every call is admitted, so a
 * fresh install and softphone tests work out of the box. Counters live in the shared cache, so
 * the limit holds across servers that share Redis.
 */
import { DigestChallenger, type SipRequest } from '../sip/index.js';
import type { Cache, InboundTrunk } from '../store/index.js';
import { headerAttributes, matchInboundTrunk } from './dispatch/index.js';

/** What {@link TrunkAdmission.admit} needs to know about an INVITE. */
export interface AdmissionRequest {
  sourceAddress: string;
  calledNumber: string;
  /** Header lookup on the INVITE (for the trunk's header → attribute mapping). */
  header: (name: string) => string | undefined;
  /** The INVITE itself, for digest authentication against a trunk with credentials. */
  invite?: SipRequest;
}

/** The verdict on one INVITE. */
export type AdmissionDecision =
  | {
      ok: true;
      trunkId?: string;
      /** Call attributes from the trunk's header mapping. */
      attributes: Record<string, string>;
      /** Gives the trunk's call slot back; call it once when the call ends. */
      release: () => Promise<void>;
    }
  | {
      ok: false;
      status: number;
      reason: string;
      trunkId?: string;
      /** Headers for the refusal (the 407's Proxy-Authenticate challenges). */
      headers?: Array<[string, string]>;
      /**
       * True for the ordinary first challenge of an INVITE that carried no credentials: not a
       * refusal worth an event, the peer answers it with credentials.
       */
      challenge?: boolean;
    };

/** Options of a {@link TrunkAdmission}. */
export interface TrunkAdmissionOptions {
  /** The inbound trunks as configured now (read per call, so edits apply at once). */
  trunks: () => Promise<InboundTrunk[]>;
  cache: Cache;
  /**
   * A counter outlives a crashed server by at most this long (default 6 h): longer than any
   * sensible call, short enough that a leaked slot heals by itself.
   */
  counterTtlMs?: number;
  /** Realm of the digest challenges to trunks with credentials (default `switchboard`). */
  realm?: string;
}

const NOTHING = async (): Promise<void> => undefined;

/** Decides whether an INVITE may enter, by inbound trunk. */
export class TrunkAdmission {
  /** Trunk credentials by user name, refreshed from the trunks on every INVITE. */
  private secrets = new Map<string, string>();
  private readonly challenger: DigestChallenger;

  constructor(private readonly options: TrunkAdmissionOptions) {
    // MD5 only: it is what carriers and PBXs send; SHA-256 in the offer makes some refuse.
    this.challenger = new DigestChallenger({
      realm: options.realm ?? 'switchboard',
      algorithms: ['MD5'],
      lookup: (username) => {
        const password = this.secrets.get(username);
        return password === undefined ? undefined : { password };
      },
    });
  }

  /** Admits or refuses one INVITE; see the module comment. */
  async admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    const trunks = await this.options.trunks();
    const match = matchInboundTrunk(
      { sourceAddress: request.sourceAddress, calledNumber: request.calledNumber },
      trunks,
    );
    if ('noTrunk' in match) return { ok: true, attributes: {}, release: NOTHING };
    if (!match.trunk)
      return { ok: false, status: match.reject.status, reason: match.reject.reason };
    const trunk = match.trunk;
    if (trunk.credentials) {
      const refusal = await this.authenticate(trunk, trunks, request.invite);
      if (refusal) return refusal;
    }
    const attributes = headerAttributes(trunk, request.header);
    if (trunk.maxConcurrentCalls <= 0) {
      return { ok: true, trunkId: trunk.id, attributes, release: NOTHING };
    }
    const key = `trunk:${trunk.id}:calls`;
    const ttlMs = this.options.counterTtlMs ?? 6 * 3600_000;
    const inUse = await this.options.cache.incr(key, { ttlMs });
    if (inUse > trunk.maxConcurrentCalls) {
      await this.options.cache.decr(key);
      return { ok: false, status: 486, reason: 'Trunk at its call limit', trunkId: trunk.id };
    }
    let released = false;
    return {
      ok: true,
      trunkId: trunk.id,
      attributes,
      release: async () => {
        if (released) return;
        released = true;
        await this.options.cache.decr(key);
      },
    };
  }

  /**
   * Checks the INVITE's Proxy-Authorization against the trunk's credentials; answers the 407
   * to send when they are missing, stale or wrong. Credentials of another trunk do not count.
   */
  private async authenticate(
    trunk: InboundTrunk,
    trunks: InboundTrunk[],
    invite: SipRequest | undefined,
  ): Promise<AdmissionDecision | undefined> {
    this.secrets = new Map(
      trunks.flatMap((t) =>
        t.credentials ? [[t.credentials.username, t.credentials.password]] : [],
      ),
    );
    const result = invite
      ? await this.challenger.verify(invite, true)
      : { ok: false as const, stale: false, reason: 'no credentials' };
    if (result.ok && result.username === trunk.credentials?.username) return undefined;
    const stale = !result.ok && result.stale;
    return {
      ok: false,
      status: 407,
      reason: 'Proxy Authentication Required',
      trunkId: trunk.id,
      headers: this.challenger
        .challengeHeaders({ stale })
        .map((value): [string, string] => ['Proxy-Authenticate', value]),
      challenge: stale || (!result.ok && result.reason === 'no credentials'),
    };
  }
}
