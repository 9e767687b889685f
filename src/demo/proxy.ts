// Starts the capture proxy in the demo's process, on the demo's Appender, in
// front of the demo database — the same parts `ilog proxy` (src/cli/proxy.ts)
// assembles: user directory and locks replayed from the log, value HMAC key,
// ProxyServer. The demo's upstream is PGlite, which accepts any role without
// a password, so every person's role is logged in as itself.
import { ReplayedDirectory, VerifierStore } from '../capture/directory.js';
import { ReplayedLocks } from '../capture/locks.js';
import { loadHmacKey } from '../capture/pg/entries.js';
import { followLog } from '../capture/pg/replay.js';
import { ProxyServer } from '../capture/pg/server.js';
import type { Appender } from '../log/appender.js';
import { portError } from './ports.js';

export interface DemoProxy {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startDemoProxy(o: {
  dir: string;
  appender: Appender;
  upstream: { host: string; port: number };
  listen: { host: string; port: number };
  onError: (e: unknown) => void;
}): Promise<DemoProxy> {
  const store = new VerifierStore(o.dir);
  const directory = new ReplayedDirectory(store);
  const locks = new ReplayedLocks();
  const replay = followLog(o.appender.storage, [(i, e) => directory.apply(i, e), (i, e) => locks.apply(i, e)], 50, o.onError);
  const proxy = new ProxyServer({
    log: o.appender,
    users: directory,
    locks,
    upstream: { ...o.upstream, sslmode: 'disable' }, // PGlite speaks no TLS, and it is loopback
    credentials: (role) => ({ user: role, password: '' }),
    defaultDatabase: 'postgres',
    hmacKey: loadHmacKey(o.dir),
    onError: o.onError,
  });
  const cleanup = async (): Promise<void> => {
    replay.stop();
    await proxy.close();
    store.close();
  };
  try {
    await replay.ready;
    const addr = await proxy.listen(o.listen.port, o.listen.host);
    return { ...addr, close: cleanup };
  } catch (e) {
    await cleanup();
    throw portError(e, o.listen, '--proxy-listen');
  }
}
