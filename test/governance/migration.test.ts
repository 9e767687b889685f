// Storage schema migrations under the quorum (docs/storage.md "Upgrades"):
// an ilog whose schema is newer than log.db's will not serve on it, `ilog
// migrate` runs only the step an applied storage.migrate proposal names, the
// migration and its storage.migrated record commit together, and replay
// refuses a record no approval backs.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appender } from '../../src/log/appender.js';
import { SCHEMA_VERSION } from '../../src/storage/sqlite/schema.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { governedDir, type GovDir } from './fixture.js';
import { adminKeys, GovLog, rejectionOf } from './harness.js';

/** What an ilog of the previous schema left: the same file without the migrations table, user_version 1. */
function downgradeToV1(dir: string): void {
  const db = new Database(join(dir, 'log.db'));
  db.exec('DROP TABLE migrations');
  db.pragma('user_version = 1');
  db.close();
}

function schemaOf(dir: string): { version: number; migrations: unknown[] | undefined } {
  const db = new Database(join(dir, 'log.db'), { readonly: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'migrations'").get() !== undefined;
    return { version: db.pragma('user_version', { simple: true }) as number, migrations: hasTable ? db.prepare('SELECT * FROM migrations').all() : undefined };
  } finally {
    db.close();
  }
}

describe('storage migrations under the quorum', () => {
  let g: GovDir;
  beforeAll(async () => {
    g = await governedDir(2, 3);
    downgradeToV1(g.dir);
  });
  afterAll(() => g?.cleanup());

  it('the schema moved on since version 1 (else this test proves nothing)', () => {
    expect(SCHEMA_VERSION).toBe(2);
    expect(schemaOf(g.dir)).toEqual({ version: 1, migrations: undefined });
  });

  it('serve and the appender refuse an older log.db and say what to do; the file is left as it was', { timeout: 120_000 }, async () => {
    await expect(Appender.open(g.dir, { writerThread: false })).rejects.toMatchObject({ code: 'STORAGE_MIGRATION_REQUIRED' });
    const serve = await runCli(['serve', '--listen', '127.0.0.1:0', '--json'], { dir: g.dir });
    expect(serve.code).not.toBe(0);
    expect(serve.stdout + serve.stderr).toContain('STORAGE_MIGRATION_REQUIRED');
    expect(serve.stdout + serve.stderr).toContain('ilog propose storage.migrate sqlite 1 2');
    expect(schemaOf(g.dir).version).toBe(1);
  });

  it('migrate refuses without an approval, with a pending one, with one for other versions, and a forged record', { timeout: 240_000 }, async () => {
    const none = await runCli(['migrate', '--json'], { dir: g.dir });
    expect(none.code).toBe(1);
    expect(jsonOf(none).error).toMatchObject({ code: 'MIGRATION_NOT_APPROVED' });

    // The write token cannot stand in for the quorum.
    const forged = JSON.stringify({ v: 1, kind: 'storage.migrated', time: new Date().toISOString(), store: 'sqlite', from: 1, to: 2, approval: 1, version: '0', code: { tree: 'src', files: 1, sha256: '0'.repeat(64) } });
    const append = await runCli(['append', '--json'], { dir: g.dir, input: forged + '\n' });
    expect(append.code).not.toBe(0);
    expect(append.stdout + append.stderr).toContain('KIND_NOT_ALLOWED');

    // Approved, but for another step: not this one.
    const other = jsonOf(await runCli(['propose', 'storage.migrate', 'sqlite', '1', '3', '--key', g.keyFiles[0]!, '--json'], { dir: g.dir }));
    expect(other).toMatchObject({ status: 'pending' });
    expect(jsonOf(await runCli(['approve', other.id, '--key', g.keyFiles[1]!, '--json'], { dir: g.dir }))).toMatchObject({ status: 'applied' });
    const wrong = await runCli(['migrate', '--json'], { dir: g.dir });
    expect(wrong.code).toBe(1);
    expect(jsonOf(wrong).error).toMatchObject({ code: 'MIGRATION_NOT_APPROVED', evidence: { approved: { from: 1, to: 3 } } });

    // One admin of a 2-of-3 quorum is not enough.
    const p = jsonOf(await runCli(['propose', 'storage.migrate', 'sqlite', '1', '2', '--key', g.keyFiles[0]!, '--comment', 'upgrade to ilog with schema 2', '--json'], { dir: g.dir }));
    expect(p).toMatchObject({ status: 'pending', approvals: 1, quorum: 2 });
    const pending = await runCli(['migrate', '--json'], { dir: g.dir });
    expect(jsonOf(pending).error).toMatchObject({ code: 'MIGRATION_NOT_APPROVED' });
    expect(schemaOf(g.dir).version).toBe(1);
    expect(jsonOf(await runCli(['approve', p.id, '--key', g.keyFiles[2]!, '--json'], { dir: g.dir }))).toMatchObject({ status: 'applied' });

    const done = await runCli(['migrate', '--json'], { dir: g.dir });
    expect(done.code, done.stderr).toBe(0);
    const r = jsonOf(done);
    expect(r).toMatchObject({ status: 'migrated', store: 'sqlite', from: 1, to: 2 });
    const schema = schemaOf(g.dir);
    expect(schema.version).toBe(2);
    expect(schema.migrations).toEqual([expect.objectContaining({ version: 2, from_version: 1, approval: r.approval, entry: r.index })]);

    // The record is in the signed log, backed by the approval, and the log verifies.
    const show = jsonOf(await runCli(['policy', 'show', '--json'], { dir: g.dir })).policy;
    expect(show.storageMigrated).toEqual([{ store: 'sqlite', from: 1, to: 2, index: r.index, approval: r.approval }]);
    expect(show.storageMigrations.sqlite).toMatchObject({ value: { from: 1, to: 2 }, madeBy: { index: r.approval } });
    expect(show.rejections).toEqual([]);
    const verify = await runCli(['verify', '--json'], { dir: g.dir });
    expect(verify.code, verify.stderr).toBe(0);

    // Now the appender opens it, and migrating again does nothing.
    const a = await Appender.open(g.dir, { writerThread: false });
    await a.close();
    expect(jsonOf(await runCli(['migrate', '--json'], { dir: g.dir }))).toMatchObject({ status: 'current', version: 2 });
  });
});

describe('replay of storage.migrated', () => {
  const record = (approval: number, from = 1, to = 2) => ({ v: 1, kind: 'storage.migrated', time: '2026-01-01T00:00:00.000Z', store: 'sqlite', from, to, approval, version: '1.0.0', code: { tree: 'dist', files: 3, sha256: 'a'.repeat(64) } });

  it('refuses a record without an applied approval, for other versions, or used twice', () => {
    const [a, b] = adminKeys(2);
    const log = new GovLog('test.example/m', [a!, b!], 2);
    expect(rejectionOf(log.add(record(0)).events)).toBe('UNAPPROVED');
    const { entry } = log.propose(a!, [{ op: 'storage.migrate', store: 'sqlite', from: 1, to: 2, base: null }]);
    expect(rejectionOf(log.add(record(log.entries.length - 1)).events)).toBe('UNAPPROVED'); // pending only
    const applied = log.approve(b!, entry.id).index;
    expect(log.policy.storageMigrations.get('sqlite')).toMatchObject({ value: { from: 1, to: 2 }, madeBy: { index: applied } });
    expect(rejectionOf(log.add(record(applied, 1, 3)).events)).toBe('UNAPPROVED');
    expect(rejectionOf(log.add(record(applied)).events)).toBeUndefined();
    expect(log.policy.storageMigrated).toHaveLength(1);
    expect(rejectionOf(log.add(record(applied)).events)).toBe('REPLAYED');
  });

  it('refuses a proposal that migrates backwards', () => {
    const [a] = adminKeys(1);
    const log = new GovLog('test.example/m2', [a!], 1);
    expect(rejectionOf(log.propose(a!, [{ op: 'storage.migrate', store: 'sqlite', from: 2, to: 2, base: null }]).events)).toBeDefined();
  });
});
