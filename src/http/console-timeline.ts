// A person's timeline for the console (docs/console.md "Person timeline"): their
// accesses per day and per hour of the day (UTC), the tables and purposes, from
// a scan of every durable `access` entry by that person.
import type { LogStorage } from '../storage/log-storage.js';
import { scanEntries } from './console-lookup.js';

export interface PersonTimeline {
  person: string;
  total: number;
  /** `YYYY-MM-DD` → accesses that day, oldest first. */
  days: [string, number][];
  /** Accesses per hour of the day, 0–23 UTC. */
  hours: number[];
  /** Relations (proxy) or resource types (apps), most used first. */
  tables: [string, number][];
  purposes: [string, number][];
}

const top = (m: Map<string, number>, n = 20): [string, number][] => [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

export function personTimeline(storage: LogStorage, person: string): PersonTimeline {
  const days = new Map<string, number>();
  const tables = new Map<string, number>();
  const purposes = new Map<string, number>();
  const hours = new Array<number>(24).fill(0);
  const needle = `"person":${JSON.stringify(person)}`;
  let total = 0;
  scanEntries(storage, (text) => {
    if (!text.includes(needle)) return; // canonical JSON: no spaces
    const e = JSON.parse(text) as { kind?: string; person?: string; time?: string; accessedAt?: string; purpose?: string; relations?: string[]; resource?: { type: string } };
    if (e.kind !== 'access' || e.person !== person) return;
    const when = new Date(e.accessedAt ?? e.time ?? '');
    if (Number.isNaN(when.getTime())) return;
    total++;
    bump(days, when.toISOString().slice(0, 10));
    hours[when.getUTCHours()]!++;
    for (const t of e.relations ?? (e.resource ? [e.resource.type] : [])) bump(tables, t);
    bump(purposes, e.purpose ?? '(none given)');
  });
  return { person, total, days: [...days].sort((a, b) => a[0].localeCompare(b[0])), hours, tables: top(tables), purposes: top(purposes) };
}
