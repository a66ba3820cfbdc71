/**
 * Who an RTP session listens to. Two small state machines with O(1) state, so that hostile
 * input — packets from strangers, floods of random SSRCs — costs a comparison and a counter,
 * never memory:
 * - {@link AddressLatch}: symmetric RTP (RFC 4961 style "latching"): the first valid packet
 *   fixes the remote transport address (the caller may be behind NAT, so the SDP address is
 *   only a first guess); later packets from elsewhere are refused, unless the latched source
 *   has been silent long enough to believe in a re-INVITE or a NAT rebinding.
 * - {@link SsrcGuard}: follows one SSRC; a new one takes over only when it keeps arriving in
 *   sequence, when the old one went silent or said BYE, or after a re-INVITE — and at most
 *   once per interval.
 */

/** Verdict of {@link AddressLatch.check}. */
export type LatchVerdict = 'match' | 'latched' | 'wrong-source';

/** Latches onto the transport address media really comes from. */
export class AddressLatch {
  private latchedAddress: string | undefined;
  private latchedPort = 0;
  private lastMatchMs = -Infinity;
  private latchCount = 0;

  /** `relatchAfterMs`: silence of the latched source after which another may take over. */
  constructor(private readonly relatchAfterMs: number) {}

  /** True once a source has been latched. */
  get latched(): boolean {
    return this.latchedAddress !== undefined;
  }

  /** The latched address, if any. */
  get address(): string | undefined {
    return this.latchedAddress;
  }

  /** The latched port (0 when not latched). */
  get port(): number {
    return this.latchedPort;
  }

  /** Times a source was latched (the first one included). */
  get latches(): number {
    return this.latchCount;
  }

  /**
   * Checks the source of a packet that is otherwise valid. Latches when nothing is latched yet
   * or when the latched source has been silent for `relatchAfterMs`.
   */
  check(address: string, port: number, nowMs: number): LatchVerdict {
    if (this.latchedAddress === address && this.latchedPort === port) {
      this.lastMatchMs = nowMs;
      return 'match';
    }
    if (this.latchedAddress !== undefined && nowMs - this.lastMatchMs < this.relatchAfterMs) {
      return 'wrong-source';
    }
    this.latchedAddress = address;
    this.latchedPort = port;
    this.lastMatchMs = nowMs;
    this.latchCount++;
    return 'latched';
  }

  /** True when `address`:`port` is the latched source (no state change). */
  matches(address: string, port: number): boolean {
    return this.latchedAddress === address && this.latchedPort === port;
  }

  /** Forgets the latched source (re-INVITE: the remote may have moved). */
  reset(): void {
    this.latchedAddress = undefined;
    this.latchedPort = 0;
    this.lastMatchMs = -Infinity;
  }
}

/** Verdict of {@link SsrcGuard.check}. */
export type SsrcVerdict = 'current' | 'first' | 'switch' | 'unconfirmed';

/** Options of a {@link SsrcGuard}. */
export interface SsrcGuardOptions {
  /** Consecutive in-sequence packets a new SSRC needs to take over; default 3. */
  confirmPackets?: number;
  /** Silence of the current SSRC after which a new one takes over at once; default 1000. */
  silenceMs?: number;
  /** Least time between two switches; default 1000. */
  minSwitchIntervalMs?: number;
}

/** Follows one SSRC and decides when another may replace it. */
export class SsrcGuard {
  private currentSsrc: number | undefined;
  private lastCurrentMs = -Infinity;
  private lastSwitchMs = -Infinity;
  private candidate = -1;
  private candidateSeq = -1;
  private candidateCount = 0;
  private changeExpected = false;
  private readonly confirmPackets: number;
  private readonly silenceMs: number;
  private readonly minSwitchIntervalMs: number;

  constructor(options: SsrcGuardOptions = {}) {
    this.confirmPackets = options.confirmPackets ?? 3;
    this.silenceMs = options.silenceMs ?? 1000;
    this.minSwitchIntervalMs = options.minSwitchIntervalMs ?? 1000;
  }

  /** The SSRC followed now. */
  get current(): number | undefined {
    return this.currentSsrc;
  }

  /** Decides about a packet of `ssrc` with sequence number `seq` arriving at `nowMs`. */
  check(ssrc: number, seq: number, nowMs: number): SsrcVerdict {
    if (ssrc === this.currentSsrc) {
      this.lastCurrentMs = nowMs;
      // The current source is alive: a candidate must start its run again.
      this.candidateCount = 0;
      return 'current';
    }
    if (this.currentSsrc === undefined) {
      this.take(ssrc, nowMs);
      return 'first';
    }
    if (ssrc === this.candidate && seq === ((this.candidateSeq + 1) & 0xffff)) {
      this.candidateCount++;
    } else {
      this.candidate = ssrc;
      this.candidateCount = 1;
    }
    this.candidateSeq = seq;
    const oldGone = this.changeExpected || nowMs - this.lastCurrentMs >= this.silenceMs;
    const confirmed = oldGone || this.candidateCount >= this.confirmPackets;
    if (!confirmed) return 'unconfirmed';
    if (!this.changeExpected && nowMs - this.lastSwitchMs < this.minSwitchIntervalMs) {
      return 'unconfirmed';
    }
    this.take(ssrc, nowMs);
    return 'switch';
  }

  private take(ssrc: number, nowMs: number): void {
    this.currentSsrc = ssrc;
    this.lastCurrentMs = nowMs;
    this.lastSwitchMs = nowMs;
    this.candidate = -1;
    this.candidateCount = 0;
    this.changeExpected = false;
  }

  /** The current source said BYE: the next SSRC may take over at once. */
  sourceLeft(ssrc: number): void {
    if (ssrc === this.currentSsrc) this.changeExpected = true;
  }

  /** A re-INVITE changed the remote: a new SSRC is plausible and may take over at once. */
  expectChange(): void {
    this.changeExpected = true;
  }
}
