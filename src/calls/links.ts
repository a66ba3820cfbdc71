/**
 * Links: how a live participant's audio is connected (echo, bridge, room), as objects that can
 * be undone and redone — hold undoes a link and resume redoes it; a move undoes it for good.
 */
import type { Leg } from '../channels/index.js';
import { bridge, echo } from './connect.js';
import type { Link, LiveParticipant } from './live-calls.js';
import type { RoomRegistry } from './rooms.js';

/** Connects a participant through `link`, undoing whatever it was connected to before. */
export function applyLink(participants: LiveParticipant[], link: Link): void {
  for (const p of participants) {
    if (p.link && p.link !== link) p.link.off?.();
    p.link = link;
  }
  link.off = link.connect();
}

/** Undoes a participant's link (it hears nothing and no one hears it). */
export function dropLink(participant: LiveParticipant): void {
  const link = participant.link;
  if (!link) return;
  link.off?.();
  link.off = undefined;
  participant.link = undefined;
}

/** The participant hears itself. */
export function echoLink(leg: Leg): Link {
  return { kind: 'echo', connect: () => echo(leg) };
}

/** The participant is one voice in a named room. */
export function roomLink(rooms: RoomRegistry, room: string, leg: Leg): Link {
  return { kind: 'room', room, connect: () => rooms.join(room, leg) };
}

/**
 * Two participants hear each other. While the bridge stands, either one hanging up ends the
 * other too (a two-party call is over when one party leaves); undoing the bridge (a move, a
 * hold) lifts that rule.
 */
export function bridgeLink(a: Leg, b: Leg): Link {
  return {
    kind: 'bridge',
    connect: () => {
      const off = bridge(a, b);
      let standing = true;
      const follow = (gone: Leg, other: Leg): void => {
        void gone.ended.then(() => {
          if (standing && !other.isEnded) void other.hangup('peer-hungup');
        });
      };
      follow(a, b);
      follow(b, a);
      return () => {
        standing = false;
        off();
      };
    },
  };
}
