// The log the console benchmark runs against (bench/console.ts, docs/console.md
// "Figures"): `entries` entries, of which `alerts` are sealed alert.raised entries
// made as AlertService makes them (routed by router.ts, the body sealed with age
// to the server's key and the recipients' keys, the people as keyed tags:
// seal.ts sealedFields), each followed by its delivery entries and, for 60% of
// them, reviews signed by the reviewers' own keys (acks, comments, closes; a high
// alert closed by two reviewers). Everything else is proxied and application
// accesses with their outcomes, and reviewers' console views of the alerts.
// Written through the real write path in bulk: Appender.appendMany (sequencer,
// writer thread, one durable commit per 10,000 entries), alert and review entries
// as objects (validated by encodeEntry), accesses as canonical bytes (the first
// blocks checked against encodeEntry); then integrated and signed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateReviewerKey, type ReviewerKeyPair } from '../src/alert/reviewer-key.js';
import { signReview, type ReviewerKeys } from '../src/alert/review.js';
import { route } from '../src/alert/router.js';
import { loadRoutingConfig } from '../src/alert/routing-config.js';
import { sealedFields, type SealedBody } from '../src/alert/seal.js';
import { hmacValue, loadHmacKey } from '../src/capture/pg/entries.js';
import { loadSigner } from '../src/governance/signing.js';
import { encodeEntry } from '../src/ledger/entry.js';
import { Appender } from '../src/log/appender.js';
import { initLog } from '../src/log/appender-init.js';
import { ALERT_FILES, serverSealing } from '../src/server/alerting.js';
import '../src/alert/entries.js';

export const REVIEWERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
export const PERSONS = 2000;
export const PATIENTS = 200_000;
/** Every HOT_EVERY-th proxied access reads this record: a look-up with many hits. */
export const HOT_PATIENT = 42;
const HOT_EVERY = 1000;
/** Entries per alert block: accesses, the alert, its deliveries, reviews or views. */
const MIN_BLOCK = 16;
/** Entries per appendMany (one durable commit). */
const CHUNK = 10_000;
const MARKER = 'bench-console.json';
const KEYS = 'bench-reviewer-keys.json';

export interface BenchLog {
  dir: string;
  origin: string;
  keys: Record<string, ReviewerKeyPair>;
  reviewerKeys: ReviewerKeys;
  /** Built now (with its figures) or found in `dir` from an earlier run of the same size. */
  built?: { appendMs: number; appendCpuMs: number; integrateAndSignMs: number; sealMs: number; alerts: number; reviews: number };
}

/** The record (patient id) of proxied access `i` (app accesses name `customer-<id>`). */
export const patientOf = (i: number): number => (i % (HOT_EVERY * 2) === 0 ? HOT_PATIENT : (i * 104_729) % PATIENTS);
export const personOf = (i: number): string => `p${String((i * 7919) % PERSONS).padStart(4, '0')}`;

const reviewerKeysOf = (keys: Record<string, ReviewerKeyPair>): ReviewerKeys => ({ at: (r) => keys[r], current: (r) => keys[r] });

/** Opens the bench log in `dir` if it was built with these sizes, else builds it there (`dir` must then be new or empty). */
export async function benchLog(dir: string, entries: number, alerts: number, log: (o: object) => void): Promise<BenchLog> {
  const origin = 'bench.example/console';
  const marker = join(dir, MARKER);
  if (existsSync(marker)) {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { entries: number; alerts: number };
    if (m.entries !== entries || m.alerts !== alerts) throw new Error(`${dir} holds a bench log of ${m.entries} entries / ${m.alerts} alerts; use another --dir`);
    const keys = JSON.parse(readFileSync(join(dir, KEYS), 'utf8')) as Record<string, ReviewerKeyPair>;
    return { dir, origin, keys, reviewerKeys: reviewerKeysOf(keys) };
  }
  if (alerts > 0 && Math.floor(entries / alerts) < MIN_BLOCK) throw new Error(`--entries must be at least ${MIN_BLOCK} × --alerts`);
  mkdirSync(dir, { recursive: true });
  await initLog(dir, { origin });
  const hook = { webhook: { url: 'http://127.0.0.1:9/hook', secret: 'a-bench-secret-of-32-characters!' } };
  writeFileSync(
    join(dir, ALERT_FILES.routing),
    JSON.stringify({ reviewers: Object.fromEntries(REVIEWERS.map((r) => [r, hook])), groups: { privacy: { members: ['alice', 'bob', 'carol'] }, security: { members: ['dave', 'erin'] } }, rules: [{ rule: ['watchlist'], group: 'privacy' }], fallback: 'security' }),
  );
  const keys = Object.fromEntries(await Promise.all(REVIEWERS.map(async (r) => [r, await generateReviewerKey(r)] as const)));
  writeFileSync(join(dir, KEYS), JSON.stringify(keys), { mode: 0o600 });
  const built = await build(dir, origin, entries, alerts, keys);
  writeFileSync(marker, JSON.stringify({ entries, alerts }));
  log({ phase: 'build', entries, ...built });
  return { dir, origin, keys, reviewerKeys: reviewerKeysOf(keys), built };
}

async function build(dir: string, origin: string, N: number, ALERTS: number, keys: Record<string, ReviewerKeyPair>) {
  const hmacKey = loadHmacKey(dir);
  const config = loadRoutingConfig(join(dir, ALERT_FILES.routing));
  const sealing = await serverSealing(dir)();
  const signers = Object.fromEntries(REVIEWERS.map((r) => [r, loadSigner(keys[r]!.skey)]));
  const SQL = 'SELECT * FROM patients WHERE id = $1';
  const sqlHash = createHash('sha256').update(SQL).digest('hex');
  const t0 = Date.parse('2026-10-01T00:00:00Z');
  const timeOf = (i: number) => new Date(t0 + Math.floor((i / N) * 60 * 86_400_000)).toISOString();
  const block = ALERTS > 0 ? Math.floor(N / ALERTS) : N + 1;
  const enc = new TextEncoder();
  // Keys in RFC 8785 order, so JSON.stringify is the canonical form (checked below).
  const access = (i: number) =>
    i % 10 === 5
      ? { action: 'view', kind: 'access', person: personOf(i), purpose: `case ${i % 97}`, resource: { ids: [`customer-${patientOf(i)}`], type: 'customer' }, source: 'app:crm', time: timeOf(i), v: 1 }
      : { action: 'select', kind: 'access', person: personOf(i), purpose: `case ${i % 97}`, relations: ['public.patients'], source: 'pg-proxy', statement: { kind: 'select', sha256: sqlHash, text: SQL, values: [hmacValue(hmacKey, String(patientOf(i)))] }, time: timeOf(i), v: 1 };
  const outcome = (i: number) => ({ access: i - 1, durationMs: 1, kind: 'outcome', status: 'ok', time: timeOf(i), v: 1 });
  const view = (i: number, by: string, alert: number) => ({ action: 'view', kind: 'access', person: by, purpose: 'alert review', resource: { ids: [`/ui/api/v1/alerts/${alert}`], type: 'console' }, source: 'console', time: timeOf(i), v: 1 });
  let checked = 0;
  const bytes = (e: object): Uint8Array => {
    const b = enc.encode(JSON.stringify(e));
    if (checked++ < 2000 && Buffer.compare(Buffer.from(b), Buffer.from(encodeEntry(e))) !== 0) throw new Error(`bench entry is not canonical or not valid: ${JSON.stringify(e)}`);
    return b;
  };

  const appender = await Appender.open(dir);
  let appendMs = 0;
  let sealMs = 0;
  let reviews = 0;
  let alerts = 0;
  const cpu = process.cpuUsage();
  let lastAccess = -1;
  for (let from = appender.storage.size(); from < N; ) {
    // One chunk of about CHUNK entries (an alert's group may run past it), its alerts sealed concurrently.
    const to = Math.min(N, from + CHUNK);
    const out: (object | Uint8Array)[] = [];
    const pending: { at: number; body: SealedBody; head: object }[] = [];
    let i = from;
    while (i < to) {
      const k = i % block;
      const b = Math.floor(i / block);
      if (b >= ALERTS || k < block - 8) {
        if (k % 2 === 0 || i - 1 !== lastAccess) out.push(bytes(access((lastAccess = i))));
        else out.push(bytes(outcome(i)));
        i++;
        continue;
      }
      // The alert, its deliveries, then reviews, then console views of it to the end of the block.
      const alertAt = i;
      const severity = b % 3 === 0 ? 'high' : 'medium';
      const finding = { id: `watchlist:${b}`, rule: 'watchlist', subject: personOf(lastAccess), alsoConcerns: [] as string[], severity, score: 50 + (b % 50), reasons: ['read a watch-listed record'], entries: [lastAccess] } as const;
      const r = route(config, finding);
      const body: SealedBody = { finding: finding.id, rule: finding.rule, subject: finding.subject, alsoConcerns: [], score: finding.score, reasons: [...finding.reasons], entries: [...finding.entries], recipients: r.recipients };
      pending.push({ at: out.length, body, head: { kind: 'alert.raised', time: timeOf(i), severity, group: r.group, route: r.level, ...(r.belowMinimum ? { belowMinimum: true } : {}) } });
      out.push({});
      alerts++;
      i++;
      const [r0, r1] = r.recipients as [string, string];
      for (const recipient of r.recipients) out.push({ v: 1, kind: 'alert.delivery', time: timeOf(i++), alert: alertAt, recipient, channel: 'webhook', status: 'delivered', attempts: 1 });
      const acts: [string, 'alert.ack' | 'alert.comment' | 'alert.closed', string?][] = [];
      const m = b % 10;
      if (m >= 4) acts.push([r0, 'alert.ack']);
      if (m === 6) acts.push([r1, 'alert.comment', 'looked into it']);
      if (m >= 7) acts.push([r0, 'alert.closed', 'explained by the case'], ...(severity === 'high' ? [[r1, 'alert.closed', 'agreed'] as [string, 'alert.closed', string]] : []));
      for (const [by, kind, text] of acts) {
        const t = timeOf(i++);
        const extra = kind === 'alert.comment' ? { text: text! } : kind === 'alert.closed' ? { resolution: text! } : {};
        out.push({ v: 1, ...signReview({ kind, time: t, alert: alertAt, by, ...extra }, signers[by]!, origin) });
        reviews++;
      }
      while (i % block !== 0 && i < N) out.push(bytes(view(i, [r0, r1][i % 2]!, alertAt))), i++;
    }
    const s = performance.now();
    const sealed = await Promise.all(pending.map((p) => sealedFields(p.body, sealing, p.body.recipients.map((x) => keys[x]!.recipient))));
    sealMs += performance.now() - s;
    pending.forEach((p, j) => (out[p.at] = { v: 1, ...p.head, ...sealed[j] }));
    const a = performance.now();
    const first = await appender.appendMany(out);
    appendMs += performance.now() - a;
    if (first[0] !== from) throw new Error(`bench chunk landed at ${first[0]}, expected ${from}`);
    from = i;
  }
  const c = process.cpuUsage(cpu);
  const s = performance.now();
  await appender.checkpoint();
  const integrateAndSignMs = performance.now() - s;
  await appender.close();
  return { alerts, reviews, sealMs: Math.round(sealMs), appendMs: Math.round(appendMs), appendCpuMs: Math.round((c.user + c.system) / 1000), integrateAndSignMs: Math.round(integrateAndSignMs) };
}
