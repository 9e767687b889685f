// Assembles a capture proxy over a data directory: the person directory and the
// locks come from the log — the governance replay on a governed log (which also
// refuses stores edited behind the log's back, STORE_DIVERGES), the proxy's own
// simple replay otherwise — plus the value HMAC key. `ilog proxy` and `ilog demo`
// both start the proxy through here.
import { ReplayedDirectory, VerifierStore } from '../capture/directory.js';
import { ReplayedLocks } from '../capture/locks.js';
import { isGoverned } from '../governance/genesis.js';
import { startGovernance } from '../governance/service.js';
import type { Appender } from '../log/appender.js';
import { isIntegrityFailure } from '../log/proven-log.js';
import { loadHmacKey } from '../capture/pg/entries.js';
import { followLog } from '../capture/pg/replay.js';
import { ProxyServer, type ProxyOptions } from '../capture/pg/server.js';

export interface StartProxyOptions extends Omit<ProxyOptions, 'log' | 'users' | 'locks' | 'hmacKey' | 'livePurposePattern'> {
  dir: string;
  appender: Appender;
  /** Run the governance loop here (records refusals, expires break-glass) — when no `ilog serve` does. */
  governanceLoop: boolean;
  report: (e: unknown) => void;
}

export interface StartedProxy {
  proxy: ProxyServer;
  /** Stops following the log and closes the proxy and its stores (not the appender). */
  close(): Promise<void>;
}

export async function startProxy(o: StartProxyOptions): Promise<StartedProxy> {
  const { dir, appender, governanceLoop, report, ...server } = o;
  const gov = isGoverned(dir, appender.storage) ? startGovernance(dir, { storage: appender.storage, ...(governanceLoop ? { append: (es) => appender.appendMany(es) } : {}) }) : undefined;
  const store = gov ? undefined : new VerifierStore(dir);
  const directory = store ? new ReplayedDirectory(store) : undefined;
  const locks = gov ? undefined : new ReplayedLocks();
  // A replay that meets an entry the signed tree does not prove fails closed: a lockdown for everyone.
  const onReplayError = (e: unknown): void => {
    if (isIntegrityFailure(e)) locks?.apply(-1, { kind: 'lockdown.set', reason: `the log failed its integrity check (${e.code}); access is stopped until the log is restored` });
    report(e);
  };
  const replay = directory && locks ? followLog(appender.storage, [(i, e) => directory.apply(i, e), (i, e) => locks.apply(i, e)], 50, onReplayError, (i) => appender.awaitIntegrated(i)) : undefined;
  const close = async (): Promise<void> => {
    replay?.stop();
    await gov?.stop();
    await proxy.close();
    store?.close();
  };
  const proxy = new ProxyServer({
    ...server,
    onError: server.onError ?? report,
    log: appender,
    users: gov?.directory ?? directory!,
    locks: gov?.locks ?? locks!,
    hmacKey: loadHmacKey(dir),
    // On a governed log the quorum-approved purpose policy (purpose.set) overrides the flag, live.
    ...(gov ? { livePurposePattern: () => gov.view.policy.purpose?.value.pattern } : {}),
  });
  try {
    await replay?.ready;
  } catch (e) {
    await close();
    throw e;
  }
  return { proxy, close };
}
