// Issue #13: "`ilog alerts list` as a reviewer printed nothing (exit 0, also with
// --json) on a busy log while the API listed 9 alerts". Reproduced here as it was
// seen: a log past one storage read (65,536 entries) with 9 sealed alerts raised by
// the running server's AlertService, the server appending all along while the CLI
// (a real subprocess) lists; the CLI must list exactly what the console's API lists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEntry } from '../../src/ledger/entry.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { consoleLog, signIn, type ConsoleLog } from './fixture.js';

describe('ilog alerts list on a busy log', () => {
  let c: ConsoleLog;
  let raised: number[];
  let busy = true;
  let writes: Promise<void>;

  beforeAll(async () => {
    c = await consoleLog();
    // 70,000 accesses in bulk (more than one storage read), then 9 alerts from the server's own service.
    const access = (i: number) => encodeEntry({ v: 1, kind: 'access', time: new Date().toISOString(), source: 'app:crm', person: `p${i % 500}`, action: 'view', purpose: 'support', resource: { type: 'customer', ids: [`c-${i}`] } });
    for (let from = 0; from < 70_000; from += 10_000) await c.appender.appendMany(Array.from({ length: 10_000 }, (_, i) => access(from + i)));
    raised = [];
    for (let i = 0; i < 9; i++) {
      const a = await c.alerting.service.raise({ id: `busy-${i}`, rule: 'watchlist', subject: `p${i}`, alsoConcerns: [], severity: 'high', score: 80, reasons: ['looked up a VIP'], entries: [], time: new Date().toISOString() });
      raised.push(a.id);
    }
    // Busy: the server keeps appending while the CLI reads.
    writes = (async () => {
      for (let i = 0; busy && i < 2000; i++) {
        await c.appender.appendMany(Array.from({ length: 200 }, (_, j) => access(100_000 + i * 200 + j)));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }, 300_000);
  afterAll(async () => {
    busy = false;
    await writes;
    await c?.stop();
  });

  it('lists as a reviewer exactly the alerts the API lists, as text and as JSON', { timeout: 300_000 }, async () => {
    const { cookie } = await signIn(c, 'alice');
    const api = (await (await fetch(`${c.url}/ui/api/v1/alerts?sort=id&limit=1000`, { headers: { cookie } })).json()) as { alerts: { id: number }[] };
    expect(api.alerts.map((a) => a.id)).toEqual(raised);
    const json = await runCli(['alerts', 'list', '--json', '--key', c.keyFile('alice')], { dir: c.dir });
    expect(json.code, json.stderr).toBe(0);
    expect(jsonOf(json).alerts.map((a: { id: number }) => a.id).sort((x: number, y: number) => x - y)).toEqual(raised);
    const text = await runCli(['alerts', 'list', '--key', c.keyFile('alice')], { dir: c.dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.trim().split('\n').map((l) => Number(/^#(\d+) /.exec(l)?.[1])).sort((x, y) => x - y)).toEqual(raised);
  });
});
