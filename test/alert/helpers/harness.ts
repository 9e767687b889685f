// An AlertService on a real SQLite log, with a movable clock and reviewers whose
// contact is a signed webhook to a real local HTTP receiver.
import type { Finding } from '../../../src/detect/finding.js';
import { AlertService } from '../../../src/alert/service.js';
import type { RoutingConfig } from '../../../src/alert/routing-config.js';
import { testConfig } from './config.js';
import { openTestLog, type TestLog } from './log.js';
import { startReceiver, type Receiver } from './receiver.js';

export const SECRET = 'test-webhook-secret-0123456789';

export interface Harness {
  svc: AlertService;
  log: TestLog;
  receiver: Receiver;
  cfg: RoutingConfig;
  clock: { now: number };
  /** A second service on the same log: what a restarted process would see. */
  reopen(): AlertService;
  finding(over?: Partial<Finding>): Finding;
  close(): Promise<void>;
}

let seq = 0;

export async function harness(over: Record<string, unknown> = {}, receiverOpts: Parameters<typeof startReceiver>[0] = {}): Promise<Harness> {
  const receiver = await startReceiver(receiverOpts);
  const cfg = testConfig({ smtp: undefined, ...over }, (n) => ({ webhook: { url: `${receiver.url}/hook/${n}`, secret: SECRET } }));
  const log = await openTestLog();
  const clock = { now: Date.parse('2026-11-27T09:00:00.000Z') };
  const make = () => new AlertService({ log: log.log, config: cfg, clock: () => clock.now, sleep: async () => {} });
  const svc = make();
  const opened = [svc];
  return {
    svc,
    log,
    receiver,
    cfg,
    clock,
    reopen: () => {
      const s = make();
      opened.push(s);
      return s;
    },
    finding: (f = {}) => ({
      id: `f${++seq}`,
      rule: 'watchlist',
      subject: 'mallory',
      alsoConcerns: [],
      severity: 'high',
      score: 91,
      reasons: ['accessed the watch-listed record of VIP patient'],
      entries: [0],
      time: new Date(clock.now).toISOString(),
      ...f,
    }),
    async close() {
      for (const s of opened) await s.stop();
      await receiver.stop();
      await log.close();
    },
  };
}
