// Record look-up over statements captured by the real PostgreSQL proxy: the value
// is found by its HMAC among the statement's values, with the access's outcome.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleIndex } from '../../src/http/console-index.js';
import { findRecordAccesses } from '../../src/http/console-lookup.js';
import { generateKey } from '../../src/ledger/note.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, waitFor, type ProxyFixture } from '../capture/fixture.js';

describe.skipIf(skipWithoutPg())('record look-up over proxied statements', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  // This log has no checkpoint: the index covers nothing and the look-up reads the entries past it.
  let idx: ConsoleIndex | undefined;
  const index = () => (idx ??= ConsoleIndex.open(':memory:', { storage: fx.log.storage, vkey: generateKey('test-log').vkey, origin: 'test-log', hmacKey: fx.hmacKey }));
  beforeAll(async () => {
    cluster = await startPgCluster();
    cluster.psql("CREATE TABLE patients (id int primary key, name text); INSERT INTO patients SELECT g, 'p' || g FROM generate_series(1, 100) g;");
    fx = await startProxy(cluster);
    await fx.addUser('alice', 'postgres', 'alice-pw');
  }, 120_000);
  afterAll(async () => {
    idx?.close();
    await fx?.close();
    await cluster?.stop();
  });

  it('finds who queried patient 42 (literal and bind parameter), not patient 43', async () => {
    const c = new pg.Client(fx.client('alice', 'alice-pw', { options: '-c ilog.purpose=T-42' }));
    await c.connect();
    await c.query('SELECT name FROM patients WHERE id = 42');
    await c.query('SELECT name FROM patients WHERE id = $1', [42]);
    await c.query('SELECT name FROM patients WHERE id = 43');
    await c.end();
    const found = await waitFor((): ReturnType<typeof findRecordAccesses> | undefined => {
      const f = findRecordAccesses(index(), fx.log.storage, fx.hmacKey, '42');
      return f.accesses.length === 2 && f.accesses.every((a) => a.status !== undefined) ? f : undefined;
    });
    if (!found) throw new Error("unreachable: waitFor returns a value");
    expect(found.accesses.map((a) => [a.person, a.source, a.action, a.purpose, a.statement, a.status])).toEqual([
      ['alice', 'pg-proxy', 'select', 'T-42', 'SELECT name FROM patients WHERE id = $1', 'ok'],
      ['alice', 'pg-proxy', 'select', 'T-42', 'SELECT name FROM patients WHERE id = $1', 'ok'],
    ]);
    // Reads carry their outcome in their own access entry (docs/proxy.md): the status is read from there.
    for (const a of found.accesses) expect(fx.log.entries()[a.index]).toMatchObject({ kind: 'access', outcome: { status: 'ok', rows: 1 } });
    expect(findRecordAccesses(index(), fx.log.storage, fx.hmacKey, '44').accesses).toEqual([]);
  });
});
