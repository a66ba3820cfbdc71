/**
 * The basic ways of connecting legs' audio: an echo (a leg hears itself), a bridge (two legs
 * hear each other) and a room (an N-party mix). All are synchronous hand-offs inside one
 * clock tick: the receive phase publishes each leg's frame, these connections write it to the
 * other legs' outputs, and the send phase encodes it — so a bridge adds no tick of delay, and
 * differing codecs are transcoded for free (each leg decodes and encodes its own codec; the
 * output resamples when the rates differ).
 */
import type { Leg } from '../channels/index.js';
import { AudioMixer, type ClockParticipant, type MediaClock } from '../media/index.js';

/** Undoes a connection. */
export type Disconnect = () => void;

/** The leg hears what it says (the echo test). */
export function echo(leg: Leg): Disconnect {
  return leg.input.onFrame((frame) => leg.output.write(frame));
}

/** `a` and `b` hear each other until disconnected or either ends. */
export function bridge(a: Leg, b: Leg): Disconnect {
  const offA = a.input.onFrame((frame) => b.output.write(frame));
  const offB = b.input.onFrame((frame) => a.output.write(frame));
  let done = false;
  const disconnect = (): void => {
    if (done) return;
    done = true;
    offA();
    offB();
  };
  void a.ended.then(disconnect);
  void b.ended.then(disconnect);
  return disconnect;
}

/** How a party takes part in a room. */
export interface RoomPartyOptions {
  /** Heard by no one (a supervisor listening). */
  listenOnly?: boolean;
  /** Heard only by this party id (a supervisor whispering to an agent). */
  whisperTo?: string;
  muted?: boolean;
  gainDb?: number;
}

/**
 * An N-party conference: each party hears everyone else but not itself. The mix runs in the
 * clock's process phase, after every leg has published its frame for the tick.
 */
export class Room implements ClockParticipant {
  private readonly mixer: AudioMixer;
  private readonly parties = new Map<string, { leg: Leg; off: () => void }>();
  private removeFromClock: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly clock: MediaClock,
    /** Rate the mix is computed at; 16 kHz keeps wideband parties wideband. */
    mixRateHz = 16_000,
  ) {
    this.mixer = new AudioMixer({ sampleRateHz: mixRateHz });
  }

  /** Party ids in the room. */
  get members(): string[] {
    return [...this.parties.keys()];
  }

  /** Adds a leg; it leaves by itself when it ends. */
  join(leg: Leg, options: RoomPartyOptions = {}): void {
    if (this.parties.has(leg.id)) return;
    this.mixer.addParty(leg.id, { ...options, outputRateHz: leg.sampleRateHz });
    const off = leg.input.onFrame((frame) => this.mixer.put(leg.id, frame));
    this.parties.set(leg.id, { leg, off });
    void leg.ended.then(() => this.leave(leg.id));
    this.removeFromClock ??= this.clock.add(this);
  }

  /** Removes a party. */
  leave(id: string): void {
    const party = this.parties.get(id);
    if (!party) return;
    party.off();
    this.parties.delete(id);
    this.mixer.removeParty(id);
    if (this.parties.size === 0) {
      this.removeFromClock?.();
      this.removeFromClock = undefined;
    }
  }

  /** Mutes or unmutes a party for everyone else. */
  setMuted(id: string, muted: boolean): void {
    this.mixer.setMuted(id, muted);
  }

  /** @internal Clock phase 2: mix and hand each party its frame. */
  process(): void {
    const mixed = this.mixer.mix();
    for (const [id, frame] of mixed) this.parties.get(id)?.leg.output.write(frame);
  }
}
