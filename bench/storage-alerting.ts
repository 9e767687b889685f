// Restart of alerting on a big log (docs/storage.md "Snapshots of derived state"): the
// alert book and the detector (server/alerting.ts, as `ilog serve` starts them) on a
// bulk-built log of N access entries, started twice: the first start judges every entry
// from entry 0 and saves both snapshots on stop, the second restores them and judges
// only what came after. Timed from startAlerting to the pipeline having judged the whole
// signed log and the alert book having read it (refresh, deliveries idle).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Channel } from '../src/alert/channels/channel.js';
import { Appender } from '../src/log/appender.js';
import { startAlerting } from '../src/server/alerting.js';

/** Delivery is not measured: a channel that reaches everyone at once. */
const inbox: Channel = { kind: 'email', reaches: () => true, send: async () => {} };

/** Routing and detector configs like the snapshot tests' (two groups, one watch-listed record). */
export function writeAlertingConfig(dir: string): void {
  const reviewers = Object.fromEntries(['alice', 'bob', 'carol', 'dave', 'erin'].map((n) => [n, { email: `${n}@example.test` }]));
  const groups = { privacy: { members: ['alice', 'bob', 'carol'] }, security: { members: ['dave', 'erin'] } };
  writeFileSync(join(dir, 'alerts.json'), JSON.stringify({ reviewers, groups, rules: [{ rule: ['watchlist'], group: 'privacy' }], fallback: 'security', smtp: { host: '127.0.0.1', port: 1, from: 'ilog@example.test' } }));
  writeFileSync(join(dir, 'detector.json'), JSON.stringify({ watchlist: [{ ids: ['c4711'], label: 'bench' }], budget: { minPerDay: 100 } }));
}

/** One start of alerting: ms until the whole log is judged and read by the book, and where the pipeline began. */
async function startOnce(dir: string): Promise<{ ms: number; from: number; cpuMs: number }> {
  const appender = await Appender.open(dir);
  try {
    const size = appender.storage.size();
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    const alerting = startAlerting({ dir, writer: appender, storage: appender.storage, channels: [inbox], snapshotEveryMs: 0 });
    const started = performance.now() - t;
    const from = alerting.pipeline.position();
    await alerting.pipeline.reached(size);
    const judged = performance.now() - t;
    await alerting.service.refresh(); // the book reads the log (from its snapshot, if any)
    await alerting.service.idle();
    const ms = Math.round(performance.now() - t);
    if (process.env.ILOG_BENCH_DEBUG) console.error({ started, judged, ms });
    const cpu = process.cpuUsage(cpu0);
    await alerting.stop(); // saves the book's and the detector's snapshots at the latest checkpoint
    return { ms, from, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
  } finally {
    await appender.close();
  }
}

export interface AlertingRestart {
  entries: number;
  fromZero: { ms: number; cpuMs: number };
  fromSnapshots: { ms: number; cpuMs: number; pipelineFrom: number };
}

/** `dir` holds a log of `n` entries, integrated and signed (bulkBuild). */
export async function alertingRestart(dir: string, n: number): Promise<AlertingRestart> {
  writeAlertingConfig(dir);
  const first = await startOnce(dir);
  const again = await startOnce(dir);
  return { entries: n, fromZero: { ms: first.ms, cpuMs: first.cpuMs }, fromSnapshots: { ms: again.ms, cpuMs: again.cpuMs, pipelineFrom: again.from } };
}
