// Policy is a replay of the log: the storage replay (with its byte prefilter)
// gives exactly the policy of a full decode, a proposal's id binds its whole
// body, and the machine refuses out-of-order feeding.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLock } from '../../src/governance/build.js';
import { policyToJSON } from '../../src/governance/policy.js';
import { mayGovern, replayPolicy, replayStorage } from '../../src/governance/replay.js';
import { canonicalBytes } from '../../src/governance/signing.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { GovLog, adminKeys, rejectionOf } from './harness.js';

const ORIGIN = 'example.com/ilog/replay';

function access(i: number, time: string, text: string): Record<string, unknown> {
  return { v: 1, kind: 'access', time, source: 'pg-proxy', person: `p${i}`, action: 'select', statement: { kind: 'select', text, sha256: 'a'.repeat(64), values: [] } };
}

describe('replay', () => {
  it('the prefiltered storage replay equals a full decode, whatever strings the other entries carry', () => {
    const [a, b, c] = adminKeys(3);
    const log = new GovLog(ORIGIN, [a!, b!, c!], 2);
    const time = () => new Date(log.now).toISOString();
    for (let i = 0; i < 30; i++) {
      // Statement texts that look like governance kinds must not confuse the prefilter.
      log.add(access(i, time(), `SELECT '"kind":"governance.proposal"' -- ${i}`));
      if (i % 5 === 0) {
        const p = log.propose(a!, [log.addPerson(`u${i}`)]);
        log.approve(b!, p.entry.id);
      }
      if (i === 17) log.add(buildLock(ORIGIN, 'u5', 'test', c!, log.now));
      log.tick(1000);
    }
    const dir = mkdtempSync(join(tmpdir(), 'ilog-gov-replay-'));
    try {
      const storage = SqliteLogStorage.open(dir);
      storage.appendBatch(log.entries.map((e) => canonicalBytes(e)));
      const fromStorage = replayStorage(storage);
      storage.close();
      const full = replayPolicy(log.entries);
      expect(policyToJSON(fromStorage)).toEqual(policyToJSON(full));
      expect(fromStorage.persons.size).toBe(6);
      expect(fromStorage.locks.has('u5')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(mayGovern(canonicalBytes(access(1, time(), 'x')))).toBe(false);
    expect(mayGovern(canonicalBytes({ v: 1, kind: 'lockdown.set', time: time() }))).toBe(true);
    expect(mayGovern(canonicalBytes({ v: 1, kind: 'storage.migrated', time: time() }))).toBe(true);
  });

  it('a proposal whose body was altered after signing is refused (its id covers origin, nonce, expiry and changes)', () => {
    const [a, b] = adminKeys(2);
    const log = new GovLog(ORIGIN, [a!, b!], 2);
    const p = log.propose(a!, [log.addPerson('alice')]);
    for (const tamper of [{ expires: '2099-01-01T00:00:00.000Z' }, { nonce: '0'.repeat(32) }, { changes: [log.addPerson('mallory')] }]) {
      expect(rejectionOf(log.add({ ...p.entry, ...tamper }).events)).toBe('BAD_ID');
    }
  });

  it('refuses entries fed out of order and a log whose entry 0 is not a genesis', () => {
    const [a] = adminKeys(1);
    const log = new GovLog(ORIGIN, [a!], 1);
    expect(() => log.machine.apply(5, { kind: 'access' })).toThrow(expect.objectContaining({ code: 'OUT_OF_ORDER' }));
    expect(() => replayPolicy([{ v: 1, kind: 'access', time: '2026-01-01T00:00:00.000Z' }])).toThrow(expect.objectContaining({ code: 'BAD_GENESIS' }));
  });

  it('with a quorum of one the proposer\'s own signature applies the change', () => {
    const [a] = adminKeys(1);
    const log = new GovLog(ORIGIN, [a!], 1);
    const p = log.propose(a!, [log.addPerson('alice')]);
    expect(p.events[0]).toMatchObject({ type: 'applied' });
  });
});
