// Builders for hand-written entry streams: a person's ordinary history, then
// one event to judge. Times are explicit so every test is deterministic.
import { Detector } from '../../src/detect/detector.js';
import type { DetectorConfigInput } from '../../src/detect/config.js';
import type { Finding } from '../../src/detect/finding.js';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const T0 = Date.UTC(2026, 2, 2); // a Monday

export type Entry = Record<string, unknown>;

export function view(person: string, t: number, id: string, extra: Partial<Entry> = {}): Entry {
  return {
    v: 1,
    kind: 'access',
    time: new Date(t).toISOString(),
    source: 'app:ehr',
    person,
    role: 'nurse:cardiology',
    action: 'view',
    resource: { type: 'patient', ids: [id] },
    purpose: 'treatment',
    rows: 1,
    client: { address: '10.0.0.1' },
    ...extra,
  };
}

export function sql(person: string, t: number, statement: { kind: string; text: string; values?: string[] }, extra: Partial<Entry> = {}): Entry {
  return {
    v: 1,
    kind: 'access',
    time: new Date(t).toISOString(),
    source: 'pg-proxy',
    person,
    session: `s-${person}`,
    role: 'engineer',
    database: 'app',
    client: { address: '10.0.0.9', application: 'psql' },
    purpose: 'incident:INC-1',
    action: 'select',
    relations: ['public.jobs'],
    statement: { sha256: '0'.repeat(64), values: [], ...statement },
    ...extra,
  };
}

export function outcome(access: number, t: number, rows: number): Entry {
  return { v: 1, kind: 'outcome', time: new Date(t).toISOString(), access, session: 's', status: 'ok', rows, command: `SELECT ${rows}`, durationMs: 3 };
}

/** Feeds entries with consecutive indexes; returns every finding with the index of the entry that raised it. */
export class Stream {
  readonly detector: Detector;
  next = 0;
  readonly findings: { at: number; f: Finding }[] = [];

  constructor(config: DetectorConfigInput | Detector = {}) {
    this.detector = config instanceof Detector ? config : new Detector(config);
  }

  push(...entries: Entry[]): Finding[] {
    const out: Finding[] = [];
    for (const e of entries) {
      const at = this.next++;
      for (const f of this.detector.observe(at, e)) {
        out.push(f);
        this.findings.push({ at, f });
      }
    }
    return out;
  }

  /** Findings raised at or after entry `from` to which `rule` contributed. */
  since(from: number, rule?: string): Finding[] {
    return this.findings.filter((x) => x.at >= from && (rule === undefined || (x.f.rules ?? [x.f.rule]).includes(rule))).map((x) => x.f);
  }
}

/**
 * Ten working days (09:00-17:00) of a nurse viewing the patients of their ward,
 * plus a teammate who works with the same patients: a warm, ordinary baseline.
 */
export function ordinaryWeeks(s: Stream, person = 'alice', days = 10, perDay = 30): void {
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < perDay; i++) {
      const t = T0 + d * DAY + 9 * HOUR + Math.floor((i * 8 * HOUR) / perDay);
      const patient = `p-${(d * 7 + (i % 10)) % 60}`;
      s.push(view(person, t, patient), view('bob', t + 1000, patient));
    }
  }
}

export function reasonsOf(fs: Finding[]): string {
  return fs.flatMap((f) => f.reasons).join(' | ');
}
