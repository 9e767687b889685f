// Snapshots of the alert book and the detector (src/server/alerting.ts over
// src/log/state-snapshot.ts): a restart restores both at a signed checkpoint and
// reads only the entries after it; a tampered snapshot, or a detector snapshot
// made under another config, is discarded and the state rebuilt from entry 0,
// with the same alerts as before.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/alert/channels/channel.js';
import { accessEntryFromRequest } from '../../src/capture/app/access-request.js';
import { parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { parseNote } from '../../src/ledger/note.js';
import { Appender } from '../../src/log/appender.js';
import { initLog } from '../../src/log/appender-init.js';
import { SNAPSHOTS, startAlerting, type Alerting } from '../../src/server/alerting.js';
import type { LogStorage } from '../../src/storage/log-storage.js';

let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ilog-alert-snap-'));
  await initLog(dir, { origin: 'snap.example/alerts' });
  // privacy (alice, bob, carol) hears of watch-list alerts; security (dave, erin) of the rest.
  const reviewers = Object.fromEntries(['alice', 'bob', 'carol', 'dave', 'erin'].map((n) => [n, { email: `${n}@example.test` }]));
  const groups = { privacy: { members: ['alice', 'bob', 'carol'] }, security: { members: ['dave', 'erin'] } };
  writeFileSync(join(dir, 'alerts.json'), JSON.stringify({ reviewers, groups, rules: [{ rule: ['watchlist'], group: 'privacy' }], fallback: 'security', smtp: { host: '127.0.0.1', port: 1, from: 'ilog@example.test' } }));
  writeDetectorConfig(50);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A held look-up is judged after `windowMs` (the pipeline's clock tick); the watch list names customer 4711; a budget that pages for each. */
function writeDetectorConfig(windowMs: number): void {
  writeFileSync(join(dir, 'detector.json'), JSON.stringify({ watchlist: [{ ids: ['customer-4711'], label: 'the CEO' }], rules: { watchlist: { windowMinutes: windowMs / 60_000 } }, budget: { minPerDay: 100 } }));
}

/** Delivery is not under test: a channel that reaches everyone and always succeeds (its outcomes are still logged). */
const delivered: string[] = [];
const inbox: Channel = { kind: 'email', reaches: () => true, send: async (c) => void delivered.push(String(c.email)) };

const access = (actor: string, id: string) =>
  accessEntryFromRequest({ actor, action: 'view', resource: { type: 'customer', id }, purpose: 'support', rows: 1, role: 'support' }, { app: 'crm', nowMs: Date.now() });

/** The storage, recording where each read starts (a restart from a snapshot reads nothing before it). */
function recording(storage: LogStorage, froms: number[]): LogStorage {
  return new Proxy(storage, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop === 'readEntries') return (from: number, to: number, limit?: number) => (froms.push(from), target.readEntries(from, to, limit));
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

interface Run {
  appender: Appender;
  alerting: Alerting;
  froms: number[];
  /** Pipeline position right after start: where the detector's replay begins. */
  startedAt: number;
}

async function start(): Promise<Run> {
  const appender = await Appender.open(dir);
  const froms: number[] = [];
  const alerting = startAlerting({ dir, writer: appender, storage: recording(appender.storage, froms), channels: [inbox], snapshotEveryMs: 0 });
  return { appender, alerting, froms, startedAt: alerting.pipeline.position() };
}

/** Waits (bounded) until the pipeline has judged the whole signed log and `n` alerts exist. */
async function settle(r: Run, n: number): Promise<void> {
  const size = r.appender.storage.size();
  await r.appender.awaitIntegrated(size - 1);
  await r.alerting.pipeline.reached(size);
  for (let i = 0; i < 1200 && (await r.alerting.service.list()).length < n; i++) await new Promise((res) => setTimeout(res, 25));
  await r.alerting.service.idle();
}

async function stop(r: Run): Promise<void> {
  await r.appender.checkpoint();
  await r.alerting.pipeline.reached(r.appender.storage.size());
  await r.alerting.stop();
  await r.appender.close();
}

const snapshotPath = (name: string) => join(dir, 'snapshots', `${name}.json`);
const snapshotSize = (name: string) => parseCheckpoint(parseNote((JSON.parse(readFileSync(snapshotPath(name), 'utf8')) as { checkpoint: string }).checkpoint).text).size;
const detectorState = () => ({ size: snapshotSize(SNAPSHOTS.detector), state: (JSON.parse(readFileSync(snapshotPath(SNAPSHOTS.detector), 'utf8')) as { state: { next: number; persons: [string, unknown][] } }).state });
const alertsOf = async (r: Run) => (await r.alerting.service.list()).map((a) => ({ id: a.id, subject: a.subject, rule: a.rule, state: a.state, recipients: a.recipients })).sort((a, b) => a.id - b.id);

/** A first run: 600 ordinary look-ups and carol's look-up of the watch-listed record, which raises one alert. */
async function firstRun(): Promise<{ alerts: Awaited<ReturnType<typeof alertsOf>>; size: number }> {
  const r = await start();
  expect(r.startedAt).toBe(0);
  await r.appender.appendMany(Array.from({ length: 600 }, (_, i) => access(`p${i % 7}`, `customer-${i}`)));
  await r.appender.append(access('carol', 'customer-4711'));
  await settle(r, 1);
  const alerts = await alertsOf(r);
  expect(alerts).toHaveLength(1);
  expect(alerts[0]!.subject).toBe('carol');
  await stop(r);
  expect(existsSync(snapshotPath(SNAPSHOTS.book))).toBe(true);
  expect(existsSync(snapshotPath(SNAPSHOTS.detector))).toBe(true);
  return { alerts, size: snapshotSize(SNAPSHOTS.detector) };
}

describe('alert book and detector snapshots', () => {
  it('a restart restores both at the signed checkpoint and reads only the entries after it', { timeout: 60_000 }, async () => {
    const first = await firstRun();
    expect(first.size).toBeGreaterThan(600);
    const bookSize = snapshotSize(SNAPSHOTS.book);
    expect(bookSize).toBeGreaterThan(600);

    const r = await start();
    expect(r.startedAt).toBe(first.size);
    // dave looks the record up too: the restored detector judges it (below the day's alert budget: a finding, no page);
    // the restored book knows carol's alert, so nothing is raised twice.
    await r.appender.append(access('dave', 'customer-4711'));
    await settle(r, 1);
    expect(await alertsOf(r)).toEqual(first.alerts);
    // No read went below the level-0 tile holding the snapshots' positions.
    const floor = Math.floor(Math.min(first.size, bookSize) / 256) * 256;
    expect(r.froms.length).toBeGreaterThan(0);
    expect(Math.min(...r.froms)).toBeGreaterThanOrEqual(floor);
    expect(floor).toBeGreaterThan(0);
    await stop(r);
    const tail = detectorState();

    // The same log replayed from entry 0 gives the detector the same baselines as snapshot + tail.
    rmSync(join(dir, 'snapshots'), { recursive: true });
    const full = await start();
    expect(full.startedAt).toBe(0);
    await settle(full, 1);
    expect(await alertsOf(full)).toEqual(first.alerts);
    await stop(full);
    const replayed = detectorState();
    expect(replayed.size).toBe(tail.size);
    expect(replayed.state.next).toBe(tail.state.next);
    expect(replayed.state.persons).toEqual(tail.state.persons);
    expect(replayed.state.persons.map(([n]) => n)).toContain('dave');
  });

  it('a tampered book or detector snapshot is refused and both are rebuilt from entry 0 with the same alerts', { timeout: 60_000 }, async () => {
    const first = await firstRun();
    // Erase the alert from the book, and teach the detector it has seen more than it has.
    const book = JSON.parse(readFileSync(snapshotPath(SNAPSHOTS.book), 'utf8')) as { state: { alerts: unknown[] } };
    book.state.alerts = [];
    writeFileSync(snapshotPath(SNAPSHOTS.book), JSON.stringify(book));
    const det = JSON.parse(readFileSync(snapshotPath(SNAPSHOTS.detector), 'utf8')) as { state: { persons: unknown[] } };
    det.state.persons = [];
    writeFileSync(snapshotPath(SNAPSHOTS.detector), JSON.stringify(det));

    const r = await start();
    expect(r.startedAt).toBe(0);
    expect(existsSync(snapshotPath(SNAPSHOTS.book) + '.refused')).toBe(true);
    expect(existsSync(snapshotPath(SNAPSHOTS.detector) + '.refused')).toBe(true);
    await settle(r, 1);
    expect(await alertsOf(r)).toEqual(first.alerts);
    expect(Math.min(...r.froms)).toBe(0);
    await stop(r);
    // Rebuilt state is snapshotted again, and trusted on the next start.
    expect(existsSync(snapshotPath(SNAPSHOTS.book))).toBe(true);
    const again = await start();
    expect(again.startedAt).toBeGreaterThan(600);
    await stop(again);
  });

  it("a detector snapshot made under another config is not used: the detector replays from entry 0", { timeout: 60_000 }, async () => {
    const first = await firstRun();
    writeDetectorConfig(60_000);
    const r = await start();
    expect(r.startedAt).toBe(0);
    await settle(r, 1);
    expect(await alertsOf(r)).toEqual(first.alerts);
    await stop(r);
  });
});
