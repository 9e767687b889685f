// ilog restore's checks, in process: the mirror must hold this log (same key and
// origin), contain the checkpoint the restorer trusts, and a healthy log.db is
// only replaced with --force. (The full lost-database scenario with processes
// is in e2e.test.ts.)
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initLog } from '../../src/log/appender-init.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { Mirror } from '../../src/witness/mirror.js';
import { openMirrorCopy } from '../../src/witness/mirror-setup.js';
import { restoreLog } from '../../src/witness/restore.js';
import { StorageTlogSource } from '../../src/witness/tlog-source.js';
import { appendAndSign, entriesFor } from './fixtures.js';

const ORIGIN = 'example.com/restore-log';
let tmp: string;
let logDir: string;
let skey: string;
let vkey: string;

function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );
}

/** Mirror the log as it is now into `<tmp>/<name>` (a tiles directory). */
async function mirrorNow(name: string): Promise<string> {
  const storage = SqliteLogStorage.open(logDir, { readonly: true });
  const { copy } = openMirrorCopy(join(tmp, name), 'tiles');
  await new Mirror({ source: new StorageTlogSource(storage, logDir), copy, logVkey: vkey }).syncOnce();
  storage.close();
  return join(tmp, name);
}

function deleteDb(): void {
  for (const f of ['log.db', 'log.db-wal', 'log.db-shm']) if (existsSync(join(logDir, f))) unlinkSync(join(logDir, f));
}

beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ilog-restore-'));
  logDir = join(tmp, 'log');
  vkey = (await initLog(logDir, { origin: ORIGIN })).vkey;
  skey = readFileSync(join(logDir, 'log.key'), 'utf8').trim();
  const s = SqliteLogStorage.open(logDir);
  appendAndSign(s, entriesFor(1, 500), skey, ORIGIN);
  s.close();
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('ilog restore', () => {
  it('rebuilds a deleted log.db from a tiles mirror; the log has the same tree and checkpoint', async () => {
    const before = SqliteLogStorage.open(logDir, { readonly: true });
    const tree = before.treeState();
    const note = before.latestCheckpoint();
    before.close();
    const mirror = await mirrorNow('m');
    deleteDb();
    const r = await restoreLog({ from: mirror, dir: logDir, knownCheckpoint: note! });
    expect(r.size).toBe(501);
    const after = SqliteLogStorage.open(logDir);
    expect(Buffer.from(after.treeState().root).toString('hex')).toBe(Buffer.from(tree.root).toString('hex'));
    expect(after.latestCheckpoint()).toBe(note);
    // Appends continue from the restored state.
    appendAndSign(after, entriesFor(501, 3), skey, ORIGIN);
    expect(after.size()).toBe(504);
    after.close();
  });

  it('refuses a healthy log.db without --force, and moves it aside with --force', async () => {
    const mirror = await mirrorNow('m');
    expect(await code(restoreLog({ from: mirror, dir: logDir }))).toBe('RESTORE_EXISTS');
    const r = await restoreLog({ from: mirror, dir: logDir, force: true });
    expect(r.movedAside && existsSync(join(r.movedAside, 'log.db'))).toBe(true);
  });

  it('refuses a mirror that is behind the trusted checkpoint', async () => {
    const mirror = await mirrorNow('m');
    const s = SqliteLogStorage.open(logDir);
    const newer = appendAndSign(s, entriesFor(501, 10), skey, ORIGIN);
    s.close();
    deleteDb();
    expect(await code(restoreLog({ from: mirror, dir: logDir, knownCheckpoint: newer }))).toBe('RESTORE_INCOMPLETE');
    expect(existsSync(join(logDir, 'log.db'))).toBe(false);
  });

  it('refuses a mirror of another log (other key) and one inconsistent with the trusted checkpoint', async () => {
    const other = join(tmp, 'other');
    await initLog(other, { origin: ORIGIN });
    const os = SqliteLogStorage.open(other);
    appendAndSign(os, entriesFor(1, 600, 'other'), readFileSync(join(other, 'log.key'), 'utf8').trim(), ORIGIN);
    os.close();
    const known = (() => {
      const s = SqliteLogStorage.open(logDir, { readonly: true });
      const n = s.latestCheckpoint()!;
      s.close();
      return n;
    })();
    deleteDb();
    expect(await code(restoreLog({ from: other, dir: logDir }))).toBe('NOTE_UNVERIFIED');
    // Same key, different history (a fork signed by our key), larger than what we trust.
    const forkDir = join(tmp, 'fork');
    const fs = SqliteLogStorage.open(forkDir);
    appendAndSign(fs, entriesFor(0, 700, 'fork'), skey, ORIGIN);
    fs.close();
    const err = await restoreLog({ from: forkDir, dir: logDir, knownCheckpoint: known }).catch((e: { code: string; evidence: { proof: string[] } }) => e);
    expect(err).toMatchObject({ code: 'LOG_INCONSISTENT', evidence: { older: known } });
    expect(existsSync(join(logDir, 'log.db'))).toBe(false);
  });
});
