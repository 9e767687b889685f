// Which client addresses are one person's own workstation: an address used by
// one person on several days and by nobody else more than occasionally. An
// account showing up at a colleague's personal desk is how a borrowed password
// looks when the owner is not active at the same time (no interleaving to see).
// Bounded: the least recently added addresses are forgotten first.
import { FifoMap } from '../../ledger/fifo-map.js';

const USERS = 3;
/** Days of use after which an address is its user's own desk. */
export const OWN_DESK_DAYS = 3;

interface DeskUse {
  person: string;
  days: number;
  lastDay: number;
}

export class Desks {
  #map = new FifoMap<string, DeskUse[]>();

  constructor(readonly limit: number, entries?: [string, DeskUse[]][]) {
    if (entries) this.#map = new FifoMap(entries);
  }

  /** The person whose own desk `address` is, if it is someone's and not `person`'s. */
  ownerOtherThan(address: string, person: string): string | undefined {
    const users = this.#map.get(address);
    if (!users) return undefined;
    const owner = users.find((u) => u.days >= OWN_DESK_DAYS);
    if (!owner || owner.person === person) return undefined;
    // Someone who has used it on more than one day shares it legitimately (a shared office).
    return users.some((u) => u !== owner && u.days >= 2) ? undefined : owner.person;
  }

  use(address: string, person: string, day: number): void {
    let users = this.#map.get(address);
    if (!users) {
      if (this.#map.size >= this.limit) this.#map.deleteOldest();
      this.#map.set(address, (users = []));
    }
    const u = users.find((x) => x.person === person);
    if (u) {
      if (u.lastDay !== day) {
        u.days++;
        u.lastDay = day;
      }
    } else if (users.length < USERS) users.push({ person, days: 1, lastDay: day });
  }

  toJSON(): [string, DeskUse[]][] {
    return [...this.#map];
  }
}
