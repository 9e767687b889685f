// Running the log service for a data directory: Appender + HTTP server, and an
// orderly shutdown on SIGINT/SIGTERM (stop accepting, finish in-flight requests,
// commit and sign what is queued, close storage). Shared by `serve` and `demo`.
import type { FastifyInstance } from 'fastify';
import { Appender } from '../log/appender.js';
import { readLogToken } from '../log/appender-files.js';
import { createLogServer, listen, parseListen } from '../http/log-server.js';
export { DEFAULT_LISTEN } from './serve-defaults.js';

export interface RunningLog {
  url: string;
  appender: Appender;
  app: FastifyInstance;
  /** Idempotent. */
  stop(): Promise<void>;
}

export async function startLogService(dir: string, listenAddr: string): Promise<RunningLog> {
  const { host, port } = parseListen(listenAddr);
  const token = readLogToken(dir);
  const appender = await Appender.open(dir);
  let app: FastifyInstance;
  try {
    app = await createLogServer({ storage: appender.storage, writer: appender, token });
  } catch (e) {
    await appender.close();
    throw e;
  }
  let url: string;
  try {
    url = await listen(app, host, port);
  } catch (e) {
    await app.close();
    await appender.close();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await app.close();
      await appender.close();
    })());
  return { url, appender, app, stop };
}

/** Stops `running` on the first SIGINT or SIGTERM, then lets the process exit. */
export function stopOnSignals(stop: () => Promise<void>, onStopped?: () => void): void {
  const handler = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    stop().then(
      () => onStopped?.(),
      (err: unknown) => {
        process.stderr.write(`ilog: error while stopping: ${String(err)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
