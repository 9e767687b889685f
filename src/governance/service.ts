// Governance inside a running service: refuse to start on stores edited behind
// the log's back, replay the log, keep following it, run the governance loop
// (when the process may append), and hand the proxy its LockState and
// UserDirectory. This is the one entry point the server and the proxy wire in.
import { VerifierStore } from '../capture/directory.js';
import { IlogError } from '../ledger/errors.js';
import { GovernedDirectory } from './directory.js';
import { GovernedLocks } from './lock-state.js';
import { GovernanceLoop, type LoopOptions } from './loop.js';
import { LoopLease } from './loop-lease.js';
import { assertStoreMatchesPolicy, checkStores, replayTo } from './store-check.js';
import { readSnapshot, snapshotOf, type Snapshot } from './snapshot.js';
import type { Policy } from './policy.js';
import type { LogStorage } from '../storage/log-storage.js';
import { GovernanceView } from './view.js';

export interface GovernanceOptions {
  /** Appends entries; without it the loop does not run. With it, the loop runs while this process holds the data directory's loop lease (loop-lease.ts). */
  append?: LoopOptions['append'];
  notify?: LoopOptions['notify'];
  log?: LoopOptions['log'];
  now?: () => number;
  /** Poll interval for new entries (ms, default 50). */
  pollMs?: number;
  /** The same while the store's notifications flow (ms, default LISTENING_POLL_MS: 1,000; GovernanceView.follow). */
  listeningPollMs?: number;
  /** Read the log through this open storage (e.g. the appender's; left open) instead of opening another. */
  storage?: LogStorage;
}

export interface RunningGovernance {
  view: GovernanceView;
  locks: GovernedLocks;
  directory: GovernedDirectory;
  loop: GovernanceLoop | undefined;
  stop(): Promise<void>;
}

/** Throws STORE_DIVERGES when a store disagrees with the log; otherwise starts following it. */
export function startGovernance(dir: string, o: GovernanceOptions = {}): RunningGovernance {
  // One replay serves the policy and the check of the stores beside the log: from the signed
  // policy snapshot, stopping where governance.json was written to compare it there (a
  // governance.json older than the snapshot is compared with a replay up to its size).
  const snap = readSnapshot(dir);
  let atSnap: Snapshot | undefined;
  const view = GovernanceView.open(dir, {
    ...(o.storage ? { storage: o.storage } : {}),
    ...(snap && snap !== 'unreadable' ? { pause: { size: snap.size, fn: (p: Policy) => (atSnap = snapshotOf(p)) } } : {}),
  });
  try {
    assertStoreMatchesPolicy(dir, checkStores(dir, view.log, view.policy, (n) => (atSnap && atSnap.size === n ? atSnap : snapshotOf(replayTo(view.log, n)))));
  } catch (e) {
    view.close();
    throw e;
  }
  const locks = new GovernedLocks(view.policy, o.now);
  view.onEvent((e) => locks.handle(e));
  const store = new VerifierStore(dir);
  const directory = new GovernedDirectory(view.policy, store);
  const loop = o.append
    ? new GovernanceLoop({ view, append: o.append, dir, lease: new LoopLease(dir), ...(o.now ? { now: o.now } : {}), ...(o.notify ? { notify: o.notify } : {}), ...(o.log ? { log: o.log } : {}) })
    : undefined;
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // An entry the signed tree does not prove: stop replaying and refuse everyone (fail closed).
  view.onBroken((e) => locks.seal(`the log failed its integrity check (${e instanceof IlogError ? e.code : 'error'}); access is stopped until the log is restored`));
  view.follow(o.pollMs ?? 50, (e) => log(`ilog: governance replay: ${e instanceof Error ? e.message : String(e)}`), o.listeningPollMs);
  loop?.start();
  return {
    view,
    locks,
    directory,
    loop,
    stop: async () => {
      await loop?.stop();
      view.close();
      store.close();
    },
  };
}
