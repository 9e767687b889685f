// Where an admin's command reads the policy from and sends its entries to:
// the data directory itself (`--dir`, same host as the log) or a running log
// service (`--url`, entries through `POST /add`, policy replayed from the
// public read API — which shows only what the latest checkpoint covers).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint, parseCheckpoint } from '../ledger/checkpoint.js';
import { IlogError } from '../ledger/errors.js';
import { leafHash } from '../ledger/hash.js';
import { verifyInclusion } from '../ledger/merkle.js';
import { encodeEntry } from '../ledger/entry.js';
import { parseNote, verifierFromKey } from '../ledger/note.js';
import { LogClient } from '../log/log-client.js';
import { openLogStorage } from '../storage/open-storage.js';
import { LOG_FILES, readLogVkey } from '../log/appender-files.js';
import { ProvenLog } from '../log/proven-log.js';
import { PolicyMachine } from './machine.js';
import { advance } from './replay.js';

export interface Target {
  dir: string;
  url?: string;
  token?: string;
}

/** The write token for --url: --token, else $ILOG_TOKEN, else <dir>/token when present. */
function tokenOf(t: Target): string | undefined {
  if (t.token) return t.token;
  if (process.env.ILOG_TOKEN) return process.env.ILOG_TOKEN;
  const file = join(t.dir, LOG_FILES.token);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/**
 * Brings `m` (default: a fresh machine) up to date with the target's log and
 * returns it. Incremental: a machine already fed N entries reads from N on.
 */
export async function loadPolicyMachine(t: Target, m = new PolicyMachine()): Promise<PolicyMachine> {
  if (!t.url) {
    const storage = openLogStorage(t.dir, { readonly: true });
    try {
      advance(m, ProvenLog.forDir(t.dir, storage));
    } finally {
      storage.close();
    }
    return m;
  }
  const client = new LogClient(t.url);
  const size = parseCheckpoint(parseNote(await client.checkpoint()).text).size;
  const STEP = 256 * 16;
  for (let from = m.policy.size; from < size; from += STEP) {
    const batch = await client.entries(from, Math.min(size, from + STEP), size);
    advance(m, { size: () => from + batch.length, readEntries: (a, b) => batch.slice(a - from, b - from) });
  }
  return m;
}

/**
 * The server's answer is a claim: each entry must be in the checkpoint it returned (its inclusion
 * proof), and the checkpoint signed by the log key where this host knows it (`<dir>/log.vkey`; an
 * admin with only the URL and a token checks the proofs against the checkpoint's own root).
 */
function checkIntegrated(t: Target, entries: Uint8Array[], done: { indexes: number[]; checkpoint: string; proofs: Uint8Array[][] }): void {
  const vkey = existsSync(join(t.dir, LOG_FILES.vkey)) ? readLogVkey(t.dir) : undefined;
  const { size, root } = vkey === undefined ? parseCheckpoint(parseNote(done.checkpoint).text) : openCheckpoint(done.checkpoint, [verifierFromKey(vkey)]).checkpoint;
  if (done.indexes.length !== entries.length) throw new IlogError('FETCH_FAILED', 'the log service answered with another number of indexes than entries sent', { sent: entries.length, indexes: done.indexes.length });
  entries.forEach((e, k) => verifyInclusion(done.indexes[k]!, size, leafHash(e), done.proofs[k]!, root));
}

/** Appends entries (in a data directory, signs a checkpoint over them; through a service, waits for one); returns their indexes. */
export async function submit(t: Target, entries: object[]): Promise<number[]> {
  const bytes = entries.map((e) => encodeEntry(e));
  if (t.url) {
    // Answered once a signed checkpoint covers the entries (POST /add?wait=integrated): a lock is
    // then in what every proxy follows, and the replay below sees it without waiting for the
    // server's next checkpoint.
    const token = tokenOf(t);
    const client = new LogClient(t.url, token === undefined ? {} : { token });
    const done = await client.addIntegrated(bytes.map((b) => Buffer.from(b).toString('utf8')).join('\n') + '\n');
    checkIntegrated(t, bytes, done);
    return done.indexes;
  }
  // Through an appender on the data directory (safe next to a running server:
  // storage serialises writers across processes), and signed before returning,
  // so replays — which trust only what a signed checkpoint proves — see them now.
  const { Appender } = await import('../log/appender.js');
  const appender = await Appender.open(t.dir, { writerThread: false, olderSchema: true });
  try {
    const indexes = await appender.appendMany(bytes);
    await appender.checkpoint();
    return indexes;
  } finally {
    await appender.close();
  }
}
