// A lock signed by one admin ends a live psql-protocol session through the real
// capture proxy in front of a real PostgreSQL 15, with the proxy's LockState and
// UserDirectory driven by the governance replay (startGovernance).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockSetEntry } from '../../src/capture/locks.js';
import { loadHmacKey } from '../../src/capture/pg/entries.js';
import { ProxyServer } from '../../src/capture/pg/server.js';
import { parseUpstreamUrl } from '../../src/capture/pg/upstream.js';
import { act, approve, propose } from '../../src/governance/actions.js';
import { buildChange } from '../../src/governance/change-args.js';
import { startGovernance, type RunningGovernance } from '../../src/governance/service.js';
import { submit } from '../../src/governance/target.js';
import { TestLog, waitFor } from '../capture/fixture.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { governedDir, type GovDir } from './fixture.js';

const skip = skipWithoutPg();

describe.skipIf(skip)('governed locks through the pg proxy', () => {
  let cluster: PgCluster;
  let g: GovDir;
  let gov: RunningGovernance;
  let proxy: ProxyServer;
  let port: number;

  async function addPerson(person: string, role: string, password: string): Promise<void> {
    const p = await propose({ dir: g.dir }, g.admins[0]!, (pol) => {
      const b = buildChange('person.add', [person], { role, password }, pol);
      return { changes: [b.change], verifiers: [b.verifier!] };
    });
    await approve({ dir: g.dir }, g.admins[1]!, p.id!);
  }

  beforeAll(async () => {
    cluster = await startPgCluster();
    g = await governedDir();
    const up = parseUpstreamUrl(cluster.url);
    await addPerson('alice', up.credentials.user, 'alice-pw');
    await addPerson('bob', up.credentials.user, 'bob-pw');
    await addPerson('carol', up.credentials.user, 'carol-pw');
    await addPerson('dave', up.credentials.user, 'dave-pw');
    gov = startGovernance(g.dir, { pollMs: 50 });
    proxy = new ProxyServer({
      log: new TestLog(g.dir),
      users: gov.directory,
      locks: gov.locks,
      upstream: up.target,
      credentials: (role) => (role === up.credentials.user ? up.credentials : undefined),
      defaultDatabase: 'postgres',
      hmacKey: loadHmacKey(g.dir),
      onError: () => {},
    });
    port = (await proxy.listen(0)).port;
  });
  afterAll(async () => {
    await proxy?.close();
    await gov?.stop();
    await cluster?.stop();
    g?.cleanup();
  });

  const client = (person: string, password: string) =>
    new pg.Client({ host: '127.0.0.1', port, user: person, password, database: 'postgres', options: '-c ilog.purpose=T-1' });

  it('one admin locks a person: their live session ends and they cannot log in again', async () => {
    const c = client('alice', 'alice-pw');
    await c.connect();
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    const ended = new Promise<void>((resolve) => {
      c.on('error', () => resolve());
      c.on('end', () => resolve());
    });
    const lock = await act({ dir: g.dir }, g.admins[2]!, { kind: 'lock', person: 'alice', reason: 'exfiltration suspected' });
    expect(lock.status).toBe('in-force');
    await ended;
    await expect(c.query('SELECT 1')).rejects.toBeTruthy();
    await expect(client('alice', 'alice-pw').connect()).rejects.toBeTruthy();
    expect(gov.locks.isLocked('alice')).toMatchObject({ index: lock.index });
  });

  it('an unsigned lock.set (the proxy\'s simple form) locks nobody once governance is on', async () => {
    const [index] = await submit({ dir: g.dir }, [lockSetEntry('bob', 'forged')]);
    await waitFor(() => gov.view.policy.size > index!);
    expect(gov.view.policy.rejections.get(index!)).toMatchObject({ reason: 'UNSIGNED' });
    const c = client('bob', 'bob-pw');
    await c.connect();
    expect((await c.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    await c.end();
  });

  it('a person only the quorum added can log in; a wrong password cannot', async () => {
    await expect(client('bob', 'wrong').connect()).rejects.toMatchObject({ code: '28P01' });
    await expect(client('mallory', 'x').connect()).rejects.toBeTruthy();
  });

  it('a lockdown ends every session except those of a person holding a live break-glass grant', async () => {
    const carol = client('carol', 'carol-pw');
    const dave = client('dave', 'dave-pw');
    await carol.connect();
    await dave.connect();
    const carolEnded = new Promise<void>((resolve) => {
      carol.on('error', () => resolve());
      carol.on('end', () => resolve());
    });
    const grant = await act({ dir: g.dir }, g.admins[0]!, { kind: 'breakglass', person: 'dave', reason: 'restore payroll', ttlSeconds: 900 });
    await waitFor(() => gov.view.policy.grants.has(grant.index));
    const down = await act({ dir: g.dir }, g.admins[1]!, { kind: 'lockdown', reason: 'incident 42' });
    expect(down.status).toBe('in-force');
    await carolEnded;
    await waitFor(() => gov.view.policy.lockdown !== undefined);
    expect((await dave.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    await expect(client('carol', 'carol-pw').connect()).rejects.toBeTruthy();
    await dave.end();
  });
});
