// Starts the capture proxy in the demo's process, on the demo's Appender, in
// front of the demo database, through the same startProxy() as `ilog proxy`.
// The demo's upstream is PGlite, which accepts any role without a password, so
// every person's role is logged in as itself. The demo's log service runs the
// governance loop (if the log is governed), so the proxy does not.
import { startProxy } from '../proxy.js';
import type { Appender } from '../../log/appender.js';
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
  const { proxy, close } = await startProxy({
    dir: o.dir,
    appender: o.appender,
    governanceLoop: false,
    report: o.onError,
    upstream: { ...o.upstream, sslmode: 'disable' }, // PGlite speaks no TLS, and it is loopback
    credentials: (role) => ({ user: role, password: '' }),
    defaultDatabase: 'postgres',
  });
  try {
    const addr = await proxy.listen(o.listen.port, o.listen.host);
    return { ...addr, close };
  } catch (e) {
    await close();
    throw portError(e, o.listen, '--proxy-listen');
  }
}
