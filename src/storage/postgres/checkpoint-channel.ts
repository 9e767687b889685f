// Followers of a PostgreSQL store learn of new checkpoints by LISTEN/NOTIFY
// rather than only by polling: addCheckpoint sends a notification on the
// store's channel in its own transaction (PostgreSQL delivers it at commit,
// to every listening session on every host). A notification can be missed
// (the listening connection drops and reconnects), so it only wakes a
// follower early: followers keep polling as the fallback. Its payload is the
// signed checkpoint note itself, so a woken follower need not read it back;
// any role that can connect may NOTIFY any channel, so the payload is a claim
// that the follower verifies under the log key like a stored note.
import pg from 'pg';

/** How long a dropped listening connection waits before it connects again (ms). */
const RECONNECT_MS = 1000;

/** Longest NOTIFY payload PostgreSQL accepts (its default build: shorter than 8,000 bytes). */
const MAX_PAYLOAD_BYTES = 7999;

/** The notification channel of the log in `schema`; channels are identifiers (63 bytes), two long schema names may share one (a spurious wake-up, harmless). */
export function checkpointChannel(schema: string): string {
  return `ilog checkpoint ${schema}`.slice(0, 63);
}

/** What a notification of checkpoint `size` carries: its note, or only the size when the note is too long for a payload (many cosignatures). */
export function checkpointPayload(size: number, note: string): string {
  return Buffer.byteLength(note) <= MAX_PAYLOAD_BYTES ? note : String(size);
}

/**
 * Calls `listener` after each checkpoint stored in the log in `schema` by any writer, with the
 * notification's payload (unauthenticated: see above), and without one once (re)connected;
 * returns the function that stops listening.
 */
export function listenCheckpoints(connectionString: string, schema: string, listener: (note?: string) => void): () => void {
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
    c.on('notification', (n) => listener(n.payload));
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
