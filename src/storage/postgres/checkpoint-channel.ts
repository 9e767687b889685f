// Followers of a PostgreSQL store learn of new checkpoints by LISTEN/NOTIFY
// rather than only by polling: addCheckpoint sends a notification on the
// store's channel in its own transaction (PostgreSQL delivers it at commit,
// to every listening session on every host). A notification can be missed
// (the listening connection drops and reconnects), so it only wakes a
// follower early: followers keep polling as the fallback. Its payload is the
// signed checkpoint note itself, so a woken follower need not read it back, and
// when they fit, the entries since the checkpoint before it (base64, one line
// after the note), so a follower that had proven that one reads nothing at all;
// any role that can connect may NOTIFY any channel, so the payload is a claim
// that the follower verifies under the log key like a stored note, and the
// entries are believed only once proven into that note (ProvenLog.offer).
import pg from 'pg';
import type { NotifiedEntries } from '../log-storage.js';

/** How long a dropped listening connection waits before it connects again (ms). */
const RECONNECT_MS = 1000;

/** Longest NOTIFY payload PostgreSQL accepts (its default build: shorter than 8,000 bytes). */
const MAX_PAYLOAD_BYTES = 7999;

/** The notification channel of the log in `schema`; channels are identifiers (63 bytes), two long schema names may share one (a spurious wake-up, harmless). */
export function checkpointChannel(schema: string): string {
  return `ilog checkpoint ${schema}`.slice(0, 63);
}

/** Most entries a payload carries: a lock's checkpoint covers a few (the lock, the proxies' access entries); more are read. */
const MAX_PAYLOAD_ENTRIES = 16;

/** The line after the note that carries entries: `\n+ilog-entries <from> <base64> <base64> …`. */
const ENTRIES_MARK = '\n+ilog-entries ';

/**
 * SQL for what a notification of checkpoint `size` (an SQL bigint) with note `note` (SQL text)
 * carries, computed by PostgreSQL in the transaction that stores it: the note and the entries
 * since the latest checkpoint stored before it (`prev`, an SQL bigint) — at most
 * MAX_PAYLOAD_ENTRIES, base64 — if all fit in a payload; else the note; else only the size
 * (a note with many cosignatures). Entries are any bytes, hence base64 (the payload is text).
 */
export function checkpointPayloadSql(schema: string, size: string, note: string, prev: string): string {
  return `(SELECT CASE WHEN octet_length(x.p) <= ${MAX_PAYLOAD_BYTES} THEN x.p WHEN octet_length(${note}) <= ${MAX_PAYLOAD_BYTES} THEN ${note} ELSE ${size}::text END
    FROM (SELECT ${note} || coalesce((
      SELECT '${ENTRIES_MARK.replace('\n', "' || chr(10) || '")}' || min(e.idx) || ' ' || string_agg(translate(encode(e.data, 'base64'), chr(10), ''), ' ' ORDER BY e.idx)
      FROM ${schema}.entries e WHERE e.idx >= ${prev} AND e.idx < ${size} AND ${size} - ${prev} <= ${MAX_PAYLOAD_ENTRIES}), '') AS p) x)`;
}

/** A payload as sent: the note, or only a size (no note), and the entries it carries, if any; nothing here is authenticated. */
export function parseCheckpointPayload(payload: string | undefined): { note?: string; entries?: NotifiedEntries } {
  if (payload === undefined || /^[0-9]+$/.test(payload)) return {};
  const at = payload.lastIndexOf(ENTRIES_MARK);
  if (at < 0) return { note: payload };
  const [from, ...b64] = payload.slice(at + ENTRIES_MARK.length).split(' ');
  const first = Number(from);
  if (!Number.isSafeInteger(first) || first < 0 || b64.length > MAX_PAYLOAD_ENTRIES) return { note: payload.slice(0, at) };
  return { note: payload.slice(0, at), entries: { from: first, entries: b64.map((e) => Buffer.from(e, 'base64')) } };
}

/**
 * Calls `listener` after each checkpoint stored in the log in `schema` by any writer, with the
 * notification's note and entries (unauthenticated: see above), and without them once
 * (re)connected; `lost` when the listening connection drops (notifications stop until the
 * next call without a note). Returns the function that stops listening.
 */
export function listenCheckpoints(connectionString: string, schema: string, listener: (note?: string, entries?: NotifiedEntries) => void, lost?: () => void): () => void {
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
      if (stopped) return;
      retry = setTimeout(connect, RECONNECT_MS);
      lost?.();
    };
    c.on('error', again);
    c.on('end', again);
    c.on('notification', (n) => {
      const { note, entries } = parseCheckpointPayload(n.payload);
      listener(note, entries);
    });
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
