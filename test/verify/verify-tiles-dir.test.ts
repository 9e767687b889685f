// `ilog verify --dir <tiles directory>` (issue #12): `mirror` and `restore`
// accept a static tiles directory, and verify said NO_LOG. It now reads the
// directory through the tlog-tiles layout, as it reads a URL, and still catches
// a flipped byte in an entry bundle.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initLog } from '../../src/log/appender-init.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { Mirror } from '../../src/witness/mirror.js';
import { openMirrorCopy } from '../../src/witness/mirror-setup.js';
import { StorageTlogSource } from '../../src/witness/tlog-source.js';
import { appendAndSign, entriesFor } from '../witness/fixtures.js';
import { jsonOf, runCli } from '../helpers/cli.js';

const ORIGIN = 'example.com/verify-tiles';

describe('ilog verify --dir on a tiles directory', { timeout: 120_000 }, () => {
  let tmp: string;
  let tiles: string;
  let vkey: string;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'ilog-verify-tiles-'));
    const logDir = join(tmp, 'log');
    vkey = (await initLog(logDir, { origin: ORIGIN })).vkey;
    const s = SqliteLogStorage.open(logDir);
    appendAndSign(s, entriesFor(1, 300), readFileSync(join(logDir, 'log.key'), 'utf8').trim(), ORIGIN);
    s.close();
    tiles = join(tmp, 'tiles');
    const storage = SqliteLogStorage.open(logDir, { readonly: true });
    await new Mirror({ source: new StorageTlogSource(storage, logDir), copy: openMirrorCopy(tiles, 'tiles').copy, logVkey: vkey }).syncOnce();
    storage.close();
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('verifies it with --vkey', async () => {
    const r = await runCli(['verify', '--dir', tiles, '--vkey', vkey, '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(jsonOf(r)).toMatchObject({ ok: true, origin: ORIGIN, size: 301 });
  });

  it('fails on a flipped byte in an entry bundle', async () => {
    // 301 entries: bundle 000 is full (256), 001.p/45 the rest.
    const path = join(tiles, 'tile', 'entries', '000');
    const b = readFileSync(path);
    b[10]! ^= 1;
    writeFileSync(path, b);
    const r = await runCli(['verify', '--dir', tiles, '--vkey', vkey, '--json']);
    expect(r.code).toBe(1);
    expect(jsonOf(r).error.code).not.toBe('NO_LOG');
  });
});
