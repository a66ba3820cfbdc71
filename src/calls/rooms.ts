/**
 * Named rooms: everyone who joins the same name is mixed together. A room exists while it has
 * members: created by the first join, dropped when the last member leaves, so an idle server
 * keeps no mixers on the clock.
 */
import type { Leg } from '../channels/index.js';
import type { MediaClock } from '../media/index.js';
import { Room, type Disconnect, type RoomPartyOptions } from './connect.js';

/** The rooms of one server, by name. */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();

  constructor(private readonly clock: MediaClock) {}

  /** Names of the rooms that have members. */
  names(): string[] {
    return [...this.rooms.keys()];
  }

  /** Member leg ids of a room (empty for an unknown room). */
  members(name: string): string[] {
    return this.rooms.get(name)?.members ?? [];
  }

  /**
   * Puts a leg into the named room (created on first use). The returned function takes it
   * out again; the leg also leaves by itself when it ends.
   */
  join(name: string, leg: Leg, options: RoomPartyOptions = {}): Disconnect {
    let room = this.rooms.get(name);
    if (!room) {
      room = new Room(name, this.clock);
      this.rooms.set(name, room);
    }
    room.join(leg, options);
    const joined = room;
    const leave = (): void => {
      joined.leave(leg.id);
      if (joined.members.length === 0 && this.rooms.get(name) === joined) this.rooms.delete(name);
    };
    void leg.ended.then(leave);
    return leave;
  }

  /** Mutes or unmutes a member for the rest of its room. */
  setMuted(name: string, legId: string, muted: boolean): void {
    this.rooms.get(name)?.setMuted(legId, muted);
  }
}
