// Messages the proxy itself sends on a person's backend, and how their answers
// are consumed (pending.ts hands them here instead of to the client):
// - a probe: the name-resolution question of resolve.ts, whose rows come back
//   to the proxy. Session.#proxyStatement is the one place that sends it, after
//   logging it as an access entry of the session (`by: "proxy"`), so every
//   statement PostgreSQL runs on a proxied backend has its entry;
// - a refusal marker: when the proxy refuses a statement (IL001, IL002, IL004,
//   a syntax error), it sends the backend a text PostgreSQL's grammar rejects,
//   so the backend fails exactly as if the refused statement had failed there:
//   an open transaction is aborted (a later COMMIT rolls back), ROLLBACK TO
//   SAVEPOINT recovers it, an extended-protocol batch is skipped up to Sync.
//   The client sees the proxy's own error in place of PostgreSQL's. Nothing
//   runs (the grammar rejects it before any lookup), so pgAudit records no
//   statement and the marker needs no access entry — which also lets it work
//   when the refusal is that the log is unavailable.
import type { ProbeItem } from './pending.js';
import { cstr, int16, message, parseErrorFields } from './protocol/messages.js';
import { BodyReader } from './protocol/reader.js';
import { extendedProbe, simpleProbe } from './resolve.js';

/** `skipped`: PostgreSQL never ran it (an earlier error in the same extended-protocol batch; it skips to Sync). */
export type ProbeAnswer = { ok: true; rows: (string | null)[] } | { ok: false; sqlstate?: string; skipped?: boolean };

/** Sends the probe; resolves with its first column's values, or the error PostgreSQL answered. */
export function probe(send: (b: Buffer) => void, push: (item: ProbeItem) => void, sql: string, extended: boolean, name: string): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const rows: (string | null)[] = [];
    let error: string | undefined;
    let closes = 0;
    push({
      t: 'probe',
      feed(type, body) {
        if (type === 'D') {
          const r = new BodyReader(body);
          if (r.int16() > 0) {
            const len = r.int32();
            rows.push(len < 0 ? null : r.bytes(len).toString('utf8'));
          }
        } else if (type === 'E') error = parseErrorFields(body).C ?? 'XX000';
        // Simple protocol ends at ReadyForQuery; extended at the second CloseComplete, or at an error (PostgreSQL then skips to Sync).
        const done = extended ? type === 'E' || (type === '3' && ++closes === 2) : type === 'Z';
        if (done) resolve(error === undefined ? { ok: true, rows } : { ok: false, sqlstate: error });
        return done;
      },
      skipped() {
        resolve({ ok: false, skipped: true });
      },
    });
    send(extended ? extendedProbe(sql, name) : simpleProbe(sql));
  });
}

/** What the backend is sent in place of a refused statement (see above). */
function marker(code: string, extended: boolean, name: string): Buffer {
  const text = `ilog refused this statement (${code})`;
  return extended ? message('P', cstr(name), cstr(text), int16(0)) : message('Q', cstr(text));
}

/**
 * Sends the refusal marker; the client gets `refusal` where PostgreSQL's error
 * would have been (and, in simple protocol, PostgreSQL's ReadyForQuery, whose
 * status now says the transaction failed). Returns false when the marker was
 * skipped (PostgreSQL was already skipping to Sync: it would not have run the
 * refused statement either).
 */
export function refuseUpstream(send: (b: Buffer) => void, push: (item: ProbeItem) => void, toClient: (b: Buffer) => void, refusal: Buffer, code: string, extended: boolean, name: string): void {
  push({
    t: 'probe',
    feed(type, body) {
      if (type === 'E') toClient(refusal);
      else if (type === 'Z') toClient(message('Z', body));
      return extended ? type === 'E' : type === 'Z';
    },
    skipped() {},
  });
  send(marker(code, extended, name));
}
