// Rule: one account active from two client addresses at once. Moving from one
// workstation to another is a sequence (A…A then B…B); sharing a credential
// interleaves (A, B, A within the window). Damped for people who have shown
// this before (a second device), since repeated alerts would teach reviewers to
// ignore it. Sustained interleaving with an address that is not one of the
// account's usual workstations (two people working through it side by side for
// an hour) grows to full strength; a familiar pair (a laptop and a desktop)
// does not. When the owner is not active meanwhile there is nothing to
// interleave; then the account showing up at a colleague's own workstation
// (stats/desks.ts) is the sign, weaker, since people do sit at others' desks.
import { fmt, ramp, type Signal } from '../signals.js';
import type { AccessContext } from './context.js';

/** Days of use after which an address is one of the person's usual workstations. */
const FAMILIAR = 3;
/** Interleaved accesses in a day (an unfamiliar address) at which the signal reaches full strength. */
const SUSTAINED = 6;

export function sharedCredentialSignals(ctx: AccessContext): Signal[] {
  const { p, cfg, v, day } = ctx;
  const rule = cfg.rules.sharedCredentials;
  if (!rule.enabled || v.address === undefined) return [];
  const mine = p.addresses.get(v.address);
  const window = rule.windowMinutes * 60_000;
  // Another address used after this one's last use exists only if the latest use of any address came after it.
  if (mine && v.time - mine.last <= window && p.lastAddressTime > mine.last) for (const [addr, other] of p.addresses) {
    if (addr === v.address || other.last <= mine.last || v.time - other.last > window) continue;
    const priorDays = p.overlapDays.filter((d) => d !== day).length;
    const known = (address: string, use: { days: number }) => use.days >= FAMILIAR || ctx.g.sharedTerminal(address);
    const familiar = known(v.address, mine) && known(addr, other);
    // Two people on one account keep alternating for as long as they both work; someone moving desks switches once.
    const n = familiar ? 0 : ++p.dayInterleaves;
    const base = rule.strength * 0.6 ** priorDays * (familiar ? 0.35 : 1);
    return [
      {
        rule: 'shared-credentials',
        strength: base + (1 - base) * ramp(n, 1, SUSTAINED),
        reason: `account used from ${v.address} and ${addr} at the same time (interleaved within ${fmt((v.time - mine.last) / 60_000)} min${familiar ? '' : `; ${known(v.address, mine) ? addr : v.address} is not one of their usual workstations; ${n} interleaved ${n === 1 ? 'access' : 'accesses'} today`})`,
        entries: [other.lastIndex],
      },
    ];
  }
  if (!mine) {
    const overlap = newAddressOverlap(ctx, window);
    if (overlap.length > 0) return overlap;
  }
  return mine && mine.days > 1 ? [] : colleagueDesk(ctx, mine && mine.lastDay === day ? (mine.dayUses ?? 0) : 0);
}

/**
 * An address the account never used, while its known session elsewhere is live
 * (used within the window): someone else logged in with it, or the owner walked
 * over — the first is what a reviewer must see. Shared ward terminals, people
 * still warming up and those with a second device are left out.
 */
function newAddressOverlap(ctx: AccessContext, window: number): Signal[] {
  const { p, cfg, v, day } = ctx;
  const rule = cfg.rules.sharedCredentials;
  if (!p.warm(cfg, v.time) || ctx.g.sharedTerminal(v.address!)) return [];
  for (const [addr, other] of p.addresses) {
    if (v.time - other.last > window || other.days < FAMILIAR) continue;
    const priorDays = p.overlapDays.filter((d) => d !== day).length;
    return [
      {
        rule: 'shared-credentials',
        strength: rule.colleagueDesk * 0.6 ** priorDays,
        reason: `account used from ${v.address}, an address it never used before, ${fmt((v.time - other.last) / 60_000)} min after working from its usual ${addr}`,
        entries: [other.lastIndex],
        key: `shared-credentials|new|${v.address}`,
      },
    ];
  }
  return [];
}

/**
 * The account at a colleague's own desk (nothing interleaved: the owner was not
 * active meanwhile); stronger the more it is used from there that day (a
 * colleague doing their work through the account), up to the interleaving strength.
 */
function colleagueDesk(ctx: AccessContext, earlierUses: number): Signal[] {
  const { p, cfg, v } = ctx;
  const rule = cfg.rules.sharedCredentials;
  const owner = ctx.desks.ownerOtherThan(v.address!, v.person);
  if (owner === undefined || ctx.g.sharedTerminal(v.address!) || !p.warm(cfg, v.time)) return [];
  return [
    {
      rule: 'shared-credentials',
      strength: rule.colleagueDesk + (rule.strength - rule.colleagueDesk) * ramp(earlierUses, 0, 5),
      reason: `account used from ${v.address}, the usual workstation of ${owner}, where they had not worked before${earlierUses > 0 ? ` (${earlierUses + 1} accesses from there today)` : ''}`,
      concerns: [owner],
      key: `shared-credentials|desk|${v.address}`,
    },
  ];
}
