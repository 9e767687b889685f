// Start with history: `ilog import` logs past accesses honestly (time = when
// imported, accessedAt = when they happened, in the order they happened), one
// bad line imports nothing, and the detector learns from them without paging.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Detector } from '../../src/detect/detector.js';
import { Appender } from '../../src/log/appender.js';
import { runCli } from '../helpers/cli.js';
import { DAY, HOUR, T0 } from './helpers.js';

const line = (i: number, t: number, extra: object = {}) =>
  JSON.stringify({ actor: `agent${i % 3}`, action: 'view', resource: { type: 'customer', id: `c-${i}` }, purpose: 'call', time: new Date(t).toISOString(), role: 'agent', client: { address: `10.0.0.${i % 3}` }, ...extra });

async function entriesOf(dir: string): Promise<Record<string, any>[]> {
  const a = await Appender.open(dir);
  try {
    return a.storage.readEntries(0, a.storage.size()).map((b) => JSON.parse(new TextDecoder().decode(b)));
  } finally {
    await a.close();
  }
}

// `ilog init` writes the admin key beside the data directory: keep both inside one temporary parent.
const parent = mkdtempSync(join(tmpdir(), 'ilog-import-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('ilog import', () => {
  it('imports history sorted by original time, dated when logged, and refuses a file with one bad line', async () => {
    const dir = join(parent, 'history');
    expect((await runCli(['init', '--origin', 'import.example/log', '--json'], { dir, timeoutMs: 240_000 })).code).toBe(0);
    const file = join(dir, 'history.ndjson');
    const bad = [line(1, T0 + HOUR), '{"actor":"x","action":"view","resource":{"type":"c","id":"1"}}'].join('\n');
    writeFileSync(file, bad);
    const refused = await runCli(['import', file, '--json'], { dir, timeoutMs: 240_000 });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain('INVALID_FIELD');
    expect(await entriesOf(dir)).toHaveLength(1);

    writeFileSync(file, [line(2, T0 + 2 * DAY), line(1, T0 + DAY), line(3, T0 + 3 * DAY)].join('\n') + '\n');
    const before = Date.now();
    const ok = await runCli(['import', file, '--source', 'crm', '--json'], { dir, timeoutMs: 240_000 });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ count: 3 });
    const logged = (await entriesOf(dir)).slice(1);
    expect(logged.map((e) => e.accessedAt)).toEqual([T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY].map((t) => new Date(t).toISOString()));
    for (const e of logged) {
      expect(e).toMatchObject({ kind: 'access', source: 'app:crm' });
      expect(Date.parse(e.time)).toBeGreaterThanOrEqual(before - 1000);
    }
  }, 600_000); // three CLI runs: seconds on a quiet machine, a minute each on a loaded one

  it('imports context updates with --context', async () => {
    const dir = join(parent, 'context');
    expect((await runCli(['init', '--origin', 'import.example/ctx', '--json'], { dir, timeoutMs: 240_000 })).code).toBe(0);
    const file = join(dir, 'ctx.ndjson');
    writeFileSync(file, JSON.stringify({ people: [{ person: 'agent1', team: 'desk-1' }], relationships: [{ person: 'agent1', subject: 'c-1', kind: 'case-owner' }] }) + '\n');
    const ok = await runCli(['import', file, '--context', '--source', 'hr', '--json'], { dir, timeoutMs: 240_000 });
    expect(ok.code, ok.stderr).toBe(0);
    expect((await entriesOf(dir))[1]).toMatchObject({ kind: 'context.update', source: 'app:hr', people: [{ person: 'agent1', team: 'desk-1' }] });
  }, 600_000);
});

describe('the detector on imported history', () => {
  it('learns baselines from accessedAt but never pages about history', () => {
    const d = new Detector({ warmup: { events: 20, days: 3 } });
    const now = T0 + 40 * DAY;
    let i = 0;
    const found = [];
    // Ten days of a day worker's history, imported "now", then a 03:00 access of history (imported too).
    for (let day = 0; day < 10; day++)
      for (let k = 0; k < 8; k++)
        found.push(...d.observe(i++, { v: 1, kind: 'access', time: new Date(now).toISOString(), accessedAt: new Date(T0 + day * DAY + (9 + k) * HOUR).toISOString(), source: 'app:crm', person: 'ann', role: 'agent', action: 'view', resource: { type: 'customer', ids: [`c-${k}`] } }));
    const night = { v: 1, kind: 'access', source: 'app:crm', person: 'ann', role: 'agent', action: 'view', resource: { type: 'customer', ids: ['c-1'] } };
    found.push(...d.observe(i++, { ...night, time: new Date(now).toISOString(), accessedAt: new Date(T0 + 10 * DAY + 3 * HOUR).toISOString() }));
    const historic = found.filter((f) => f.rule === 'off-hours');
    expect(historic.length).toBe(1);
    expect(historic[0]!.alert).toBe(false);
    expect(historic[0]!.time).toBe(new Date(T0 + 10 * DAY + 3 * HOUR).toISOString());
    // Live traffic after the import is judged against the imported baseline: a live 03:00 access raises off-hours.
    const live = d.observe(i++, { ...night, time: new Date(now + 3 * HOUR - (now % DAY)).toISOString() });
    expect(live.map((f) => f.rule)).toContain('off-hours');
  });
});
