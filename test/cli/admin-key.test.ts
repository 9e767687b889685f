// Every log has an admin key: `ilog init` without --admin makes a 1-of-1
// governed log and puts the key beside the data directory (not in it);
// `ilog user add` and `ilog lock` sign with it, so nothing the server's own
// files or write token hold can add a person or lift a lock.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GovernanceView } from '../../src/governance/view.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { removeDir, tempDir } from '../verify/build-log.js';
import { withDb } from '../verify/tamper.js';

let work: string;
beforeAll(() => {
  work = tempDir('ilog-admin-');
});
afterAll(() => removeDir(work));

const entries = (dir: string): Record<string, any>[] =>
  withDb(dir, (db) => (db.prepare('SELECT data FROM entries ORDER BY idx').pluck().all() as Buffer[]).map((b) => JSON.parse(b.toString('utf8'))));

describe('ilog init makes an admin key', { timeout: 240_000 }, () => {
  it('1-of-1 governance with the key outside the data directory; user add and lock sign with it', async () => {
    const dir = join(work, 'data');
    const init = await runCli(['init', '--origin', 'test.example/admin', '--json'], { dir });
    expect(init.code, init.stderr).toBe(0);
    const keyFile = jsonOf(init).adminKeyFile as string;
    expect(keyFile).toBe(`${dir}.admin.key`);
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^PRIVATE\+KEY\+admin\+/);
    // No file in the data directory holds the admin key.
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).includes('PRIVATE+KEY+admin')).toBe(false);
    expect(entries(dir)[0]).toMatchObject({ kind: 'genesis', quorum: 1, admins: [{ name: 'admin' }] });

    const add = await runCli(['user', 'add', 'alice', '--upstream-role', 'app_ro', '--password-stdin', '--json'], { dir, input: 'alice-password\n' });
    expect(add.code, add.stderr).toBe(0);
    expect(jsonOf(add)).toMatchObject({ status: 'applied', person: 'alice' });
    const lock = await runCli(['lock', 'alice', '--reason', 'test', '--json'], { dir });
    expect(lock.code, lock.stderr).toBe(0);
    expect(jsonOf(lock)).toMatchObject({ status: 'in-force' });
    const kinds = entries(dir).map((e) => e.kind);
    expect(kinds).not.toContain('user.added');
    for (const e of entries(dir).slice(1)) expect(e.signature, e.kind).toBeDefined();
    const view = GovernanceView.open(dir);
    expect(view.policy.persons.get('alice')).toMatchObject({ role: 'app_ro' });
    expect(view.policy.locks.has('alice')).toBe(true);
    view.close();
  });

  it('--admin-key-out puts the key where asked; a failed init leaves no key behind', async () => {
    const dir = join(work, 'other');
    const out = join(work, 'keys-admin.key');
    expect((await runCli(['init', '--admin-key-out', out, '--json'], { dir })).code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(existsSync(`${dir}.admin.key`)).toBe(false);
    const again = await runCli(['init', '--json'], { dir });
    expect(jsonOf(again).error.code).toBe('LOG_EXISTS');
    expect(existsSync(`${dir}.admin.key`)).toBe(false);
  });
});
