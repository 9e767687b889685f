// Where an admin's command reads the policy from and sends its entries to:
// the data directory itself (`--dir`, same host as the log) or a running log
// service (`--url`, entries through `POST /add`, policy replayed from the
// public read API — which shows only what the latest checkpoint covers).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../ledger/checkpoint.js';
import { encodeEntry } from '../ledger/entry.js';
import { parseNote } from '../ledger/note.js';
import { LogClient } from '../http/log-client.js';
import { openLogStorage } from '../storage/open-storage.js';
import { LOG_FILES } from '../log/appender-files.js';
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

/** Appends entries durably (and, in a data directory, signs a checkpoint over them); returns their indexes. */
export async function submit(t: Target, entries: object[]): Promise<number[]> {
  const bytes = entries.map((e) => encodeEntry(e));
  if (t.url) {
    const token = tokenOf(t);
    const client = new LogClient(t.url, token === undefined ? {} : { token });
    return client.add(bytes.map((b) => Buffer.from(b).toString('utf8')).join('\n') + '\n');
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
