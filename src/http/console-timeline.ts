// A person's timeline for the console (docs/console.md "Person timeline"): their
// accesses per day and per hour of the day (UTC), the tables and purposes, and
// their newest accesses (which the caller proves into the signed tree), counted
// by the console index and, past it, from the entries it does not cover yet.
// Console views of an alert are counted only if that alert is in `shownAlerts` (the
// caller checked the viewer may see it); any other, including one named by a view
// logged since the caller looked, is left out: nobody sees traces of alerts about themselves.
import type { LogStorage } from '../storage/log-storage.js';
import type { ConsoleIndex, TimelineCounts } from './console-index.js';
import { entryRows, TIMELINE_TOP } from './console-index.js';
import { checkedRows, scanEntries, withIndex } from './console-lookup.js';

/** The counts of console-index.ts, with those past the index added. */
export interface PersonTimeline extends TimelineCounts {
  person: string;
}

const RECENT = 20;

function merge(into: [string, number][], more: Map<string, number>, sort: 'count' | 'key'): [string, number][] {
  const m = new Map(into);
  for (const [k, n] of more) m.set(k, (m.get(k) ?? 0) + n);
  const rows = [...m];
  return sort === 'key' ? rows.sort((a, b) => a[0].localeCompare(b[0])) : rows.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, TIMELINE_TOP);
}

/** The alerts named by `person`'s console views, in the index and past it. */
export function alertsViewedBy(index: ConsoleIndex, storage: LogStorage, key: Buffer, person: string): number[] {
  const ids = new Set(index.alertsViewedBy(person));
  scanEntries(storage, index.size, (text) => {
    const a = entryRows(text, key)?.access;
    if (a?.person === person && a.alert !== null) ids.add(a.alert);
  });
  return [...ids];
}

export function personTimeline(index: ConsoleIndex, storage: LogStorage, key: Buffer, person: string, shownAlerts: readonly number[]): PersonTimeline {
  return withIndex(index, () => {
    const indexed = index.size;
    const t = index.timeline(person, shownAlerts, RECENT);
    for (const i of t.recent) checkedRows(storage, key, i, (r) => r?.access?.person === person);
    // Past the index: the entries sequenced since the newest signed checkpoint.
    const days = new Map<string, number>();
    const tables = new Map<string, number>();
    const purposes = new Map<string, number>();
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    const newer: number[] = [];
    scanEntries(storage, indexed, (text, at) => {
      const a = entryRows(text, key)?.access;
      if (a?.person !== person || a.at === '' || (a.alert !== null && !shownAlerts.includes(a.alert))) return;
      newer.unshift(at);
      bump(days, a.at.slice(0, 10));
      t.hours[Number(a.at.slice(11, 13))]!++;
      for (const table of a.tables) bump(tables, table);
      bump(purposes, a.purpose ?? '(none given)');
    });
    return {
      person,
      total: t.total + newer.length,
      days: merge(t.days, days, 'key'),
      hours: t.hours,
      tables: merge(t.tables, tables, 'count'),
      purposes: merge(t.purposes, purposes, 'count'),
      recent: [...newer, ...t.recent].slice(0, RECENT),
    };
  });
}
