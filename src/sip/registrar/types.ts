/**
 * Data model of the registrar and location service (RFC 3261 §10): bindings from an
 * address-of-record to contact addresses, and the persistence interface they live behind.
 */
import type { TransportEndpoint } from '../message/index.js';

/** One registered contact of an address-of-record. */
export interface Binding {
  /** The contact URI as registered (formatted, without the name-addr brackets). */
  contact: string;
  /** When the binding lapses, in milliseconds since the epoch. */
  expiresAt: number;
  /** Preference among the AOR's bindings, 0 to 1; 1 when the client gave none. */
  q: number;
  /** Call-ID of the REGISTER that last wrote the binding (RFC 3261 §10.3 step 7). */
  callId: string;
  /** CSeq number of that REGISTER. */
  cseq: number;
  /**
   * Where that REGISTER came from. Requests to the user go back through it so that they reuse
   * the client's connection (tcp/tls/ws) or its NAT mapping (udp).
   */
  source?: TransportEndpoint;
  /** User-Agent header of that REGISTER, for diagnostics. */
  userAgent?: string;
}

/**
 * Persistence hook for bindings. The registrar serialises its own read-modify-write cycles per
 * AOR; a store shared between processes must provide its own atomicity.
 */
export interface RegistrationStore {
  /** Bindings of a normalised AOR, expired ones included; an empty list when none. */
  load(aor: string): Promise<Binding[]>;
  /** Replaces the AOR's bindings; an empty list deletes the AOR. */
  save(aor: string, bindings: Binding[]): Promise<void>;
  /** Every AOR with its bindings. */
  all(): Promise<Map<string, Binding[]>>;
}

/** What happened to a binding. */
export type RegistrationChangeType = 'added' | 'refreshed' | 'removed' | 'expired';

/** A change to one binding, reported after it has been saved. */
export interface RegistrationChange {
  type: RegistrationChangeType;
  /** Normalised AOR, e.g. `sip:alice@example.com`. */
  aor: string;
  /** The binding as it now is ('added', 'refreshed') or as it was ('removed', 'expired'). */
  binding: Binding;
}
