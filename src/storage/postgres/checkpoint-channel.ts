// Followers of a PostgreSQL store learn of new checkpoints by LISTEN/NOTIFY
// rather than only by polling: addCheckpoint sends a notification on the
// store's channel in its own transaction (PostgreSQL delivers it at commit,
// to every listening session on every host). A notification can be missed
// (the listening connection drops and reconnects), so it only wakes a
// follower early: followers keep polling as the fallback.
import pg from 'pg';

/** How long a dropped listening connection waits before it connects again (ms). */
const RECONNECT_MS = 1000;

/** The notification channel of the log in `schema`; channels are identifiers (63 bytes), two long schema names may share one (a spurious wake-up, harmless). */
export function checkpointChannel(schema: string): string {
  return `ilog checkpoint ${schema}`.slice(0, 63);
}

/** Calls `listener` after each checkpoint stored in the log in `schema` by any writer; returns the function that stops listening. */
export function listenCheckpoints(connectionString: string, schema: string, listener: () => void): () => void {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = (): void => {
    const c = new pg.Client({ connectionString, keepAlive: true });
    client = c;
    const again = (): void => {
      if (client !== c) return;
      client = undefined;
      void c.end().catch(() => {});
      if (!stopped) retry = setTimeout(connect, RECONNECT_MS);
    };
    c.on('error', again);
    c.on('end', again);
    c.on('notification', () => listener());
    c.connect()
      .then(() => c.query(`SET application_name = 'ilog follower'; LISTEN "${checkpointChannel(schema)}"`))
      .then(() => listener(), again); // anything stored while (re)connecting: look once now
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    const c = client;
    client = undefined;
    void c?.end().catch(() => {});
  };
}
