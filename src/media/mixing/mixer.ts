/**
 * N-party audio mixer for conferences, three-way transfers and supervisor monitoring.
 *
 * Once per 20 ms tick every party {@link AudioMixer.put}s its latest inbound frame (any rate)
 * and {@link AudioMixer.mix} returns, for each party, what it should hear: the sum of every
 * other party, at that party's own rate. Instead of N sums of N−1 parties (O(N²)), the mixer
 * adds every heard party once into an Int32 total and gives each party `total − own`, which
 * is exact because accumulation is done in 32 bits and saturation only happens on output.
 *
 * Supervisor modes: a listen-only party hears everyone and is heard by nobody; a whispering
 * party hears everyone and is heard only by its whisper target. Mute and gain apply to what a
 * party contributes. Accumulators and resamplers live as long as the party; per tick the
 * only allocations are the output frames (and the resamplers' output arrays).
 */
import { FRAME_MS, samplesPerFrame, type AudioFrame } from '../audio-frame.js';
import { dbToLinear } from '../audio/gain.js';
import { Resampler } from '../audio/resampler.js';

/** How a party takes part in the mix. */
export interface MixerPartyOptions {
  /** Gain applied to what the party says, in dB (default 0). */
  gainDb?: number;
  /** Heard by nobody while true; still hears everyone. */
  muted?: boolean;
  /** Hears but is never heard: supervisor listen. */
  listenOnly?: boolean;
  /** Heard only by this party: supervisor whisper (coaching an agent). */
  whisperTo?: string;
  /**
   * Rate of the frames the party receives. By default the rate of its last inbound frame (and
   * the mix rate until it has sent one).
   */
  outputRateHz?: number;
}

/** Options of {@link AudioMixer}. */
export interface AudioMixerOptions {
  /** Rate the mix is computed at, e.g. 16000 (wideband conference); parties are resampled to it. */
  sampleRateHz: number;
  /** Timestamp of the first mixed frame; each {@link AudioMixer.mix} advances it by 20 ms. */
  startTimestampMs?: number;
}

interface Party {
  readonly id: string;
  gain: number;
  muted: boolean;
  listenOnly: boolean;
  whisperTo: string | undefined;
  outputRateHz: number | undefined;
  /** Rate of the last frame put, the default output rate. */
  inputRateHz: number | undefined;
  pending: AudioFrame | undefined;
  /** What the party put into `total` this tick, so it can be taken out of its own output. */
  readonly contribution: Int32Array;
  contributed: boolean;
  /** Whispers addressed to this party this tick (allocated on first whisper). */
  whisperIn: Int32Array | undefined;
  heardWhisper: boolean;
  inResampler: Resampler | undefined;
  outResampler: Resampler | undefined;
}

/** Mixes N parties so each hears all the others; see the module comment. */
export class AudioMixer {
  /** Mix rate. */
  readonly sampleRateHz: number;
  private readonly frameSamples: number;
  private readonly parties = new Map<string, Party>();
  private readonly total: Int32Array;
  /** Output at the mix rate before resampling to a party's rate. */
  private readonly scratch: Int16Array;
  private timestampMs: number;

  constructor(opts: AudioMixerOptions) {
    this.sampleRateHz = opts.sampleRateHz;
    this.frameSamples = samplesPerFrame(opts.sampleRateHz);
    if (!Number.isInteger(this.frameSamples) || this.frameSamples <= 0) {
      throw new RangeError(`mix rate ${opts.sampleRateHz} Hz does not give whole 20 ms frames`);
    }
    this.total = new Int32Array(this.frameSamples);
    this.scratch = new Int16Array(this.frameSamples);
    this.timestampMs = opts.startTimestampMs ?? 0;
  }

  /** Number of parties. */
  get size(): number {
    return this.parties.size;
  }

  /** True when `id` is in the mix. */
  has(id: string): boolean {
    return this.parties.has(id);
  }

  /** Adds a party (throws if the id is taken). */
  addParty(id: string, opts: MixerPartyOptions = {}): void {
    if (this.parties.has(id)) throw new Error(`party ${id} is already in the mix`);
    this.parties.set(id, {
      id,
      gain: dbToLinear(opts.gainDb ?? 0),
      muted: opts.muted ?? false,
      listenOnly: opts.listenOnly ?? false,
      whisperTo: opts.whisperTo,
      outputRateHz: opts.outputRateHz,
      inputRateHz: undefined,
      pending: undefined,
      contribution: new Int32Array(this.frameSamples),
      contributed: false,
      whisperIn: undefined,
      heardWhisper: false,
      inResampler: undefined,
      outResampler: undefined,
    });
  }

  /** Removes a party; unknown ids are ignored (hang-ups race with mixer changes). */
  removeParty(id: string): void {
    this.parties.delete(id);
  }

  /** Mutes or unmutes what the party says. */
  setMuted(id: string, muted: boolean): void {
    this.party(id).muted = muted;
  }

  /** Sets the gain on what the party says, in dB (`-Infinity` silences it like mute). */
  setGain(id: string, gainDb: number): void {
    this.party(id).gain = dbToLinear(gainDb);
  }

  /** Switches supervisor listen on or off. */
  setListenOnly(id: string, listenOnly: boolean): void {
    this.party(id).listenOnly = listenOnly;
  }

  /** Makes the party heard only by `targetId` (whisper), or by everyone again (`undefined`: barge). */
  setWhisperTo(id: string, targetId: string | undefined): void {
    this.party(id).whisperTo = targetId;
  }

  /**
   * The party's inbound frame for this tick, at any rate. Kept by reference until
   * {@link mix}; a second put in the same tick replaces the first. Unknown ids are ignored.
   */
  put(id: string, frame: AudioFrame): void {
    const party = this.parties.get(id);
    if (!party) return;
    party.pending = frame;
    party.inputRateHz = frame.sampleRateHz;
  }

  /**
   * Mixes this tick: for every party, a frame of everything it should hear except itself, at
   * its own rate. Parties that put nothing this tick contribute silence. Call once per tick.
   */
  mix(): Map<string, AudioFrame> {
    const n = this.frameSamples;
    const total = this.total;
    total.fill(0);
    for (const party of this.parties.values()) this.accumulate(party, n);

    const timestampMs = this.timestampMs;
    this.timestampMs += FRAME_MS;
    const out = new Map<string, AudioFrame>();
    for (const party of this.parties.values()) {
      const rateHz = party.outputRateHz ?? party.inputRateHz ?? this.sampleRateHz;
      const direct = rateHz === this.sampleRateHz;
      const dest = direct ? new Int16Array(n) : this.scratch;
      const own = party.contributed ? party.contribution : undefined;
      const whisper = party.heardWhisper ? party.whisperIn : undefined;
      for (let i = 0; i < n; i++) {
        let v = total[i] as number;
        if (own) v -= own[i] as number;
        if (whisper) v += whisper[i] as number;
        dest[i] = v > 32767 ? 32767 : v < -32767 ? -32767 : v;
      }
      let samples = dest;
      if (!direct) {
        if (party.outResampler?.toHz !== rateHz) {
          party.outResampler = new Resampler(this.sampleRateHz, rateHz);
        }
        samples = party.outResampler.process(dest);
      }
      out.set(party.id, { samples, sampleRateHz: rateHz, timestampMs });
      party.contributed = false;
      party.heardWhisper = false;
    }
    return out;
  }

  /** Adds the party's pending frame (gain applied) to the total or to its whisper target. */
  private accumulate(party: Party, n: number): void {
    const frame = party.pending;
    party.pending = undefined;
    if (!frame || party.muted || party.listenOnly || party.gain === 0) return;
    let target: Int32Array = this.total;
    if (party.whisperTo !== undefined) {
      const listener = this.parties.get(party.whisperTo);
      if (!listener || listener === party) return;
      if (!listener.heardWhisper) {
        listener.whisperIn ??= new Int32Array(n);
        listener.whisperIn.fill(0);
        listener.heardWhisper = true;
      }
      target = listener.whisperIn as Int32Array;
    }
    const src = this.toMixRate(party, frame);
    const m = Math.min(n, src.length);
    const gain = party.gain;
    const own = target === this.total ? party.contribution : undefined;
    for (let i = 0; i < m; i++) {
      const s = src[i] as number;
      const v = gain === 1 ? s : Math.round(s * gain);
      target[i] = (target[i] as number) + v;
      if (own) own[i] = v;
    }
    if (own) {
      own.fill(0, m);
      party.contributed = true;
    }
  }

  private toMixRate(party: Party, frame: AudioFrame): Int16Array {
    if (frame.sampleRateHz === this.sampleRateHz) return frame.samples;
    if (party.inResampler?.fromHz !== frame.sampleRateHz) {
      party.inResampler = new Resampler(frame.sampleRateHz, this.sampleRateHz);
    }
    return party.inResampler.process(frame.samples);
  }

  private party(id: string): Party {
    const party = this.parties.get(id);
    if (!party) throw new Error(`party ${id} is not in the mix`);
    return party;
  }
}
