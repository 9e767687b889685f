// The tlog-witness v1.0.0 add-checkpoint rules, one status code at a time, on a
// real SQLite state file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cosignatureVerifier, cosignerFromKey } from '../../src/ledger/cosignature.js';
import { generateKey, openNote } from '../../src/ledger/note.js';
import { formatAddCheckpoint, parseAddCheckpoint } from '../../src/witness/add-checkpoint-body.js';
import { Witness } from '../../src/witness/witness.js';
import { WitnessStore } from '../../src/witness/witness-store.js';
import { TestLog, witnessKey } from './fixtures.js';

let dir: string;
let store: WitnessStore;
let log: TestLog;
const wk = witnessKey('witness.example/w1');
let witness: Witness;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ilog-witness-'));
  store = WitnessStore.open(dir);
  log = new TestLog().grow(10);
  witness = new Witness({ store, cosigners: [cosignerFromKey(wk.skey)], logKeys: [log.key.vkey] });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function submit(oldSize: number, proof: Uint8Array[], checkpoint: string, w = witness) {
  return w.addCheckpoint(formatAddCheckpoint({ oldSize, proof, checkpoint }));
}

describe('add-checkpoint', () => {
  it('cosigns the first checkpoint from size 0, then a consistent larger one; the cosignature verifies', () => {
    const r1 = submit(0, [], log.checkpoint(4));
    expect(r1.status).toBe(200);
    const cosigned = log.checkpoint(4) + r1.body;
    const opened = openNote(cosigned, [cosignatureVerifier(wk.vkey)]);
    expect(opened.verified.map((s) => s.name)).toEqual(['witness.example/w1']);
    expect(r1.body).toMatch(/^— witness\.example\/w1 [A-Za-z0-9+/=]+\n$/);
    const r2 = submit(4, log.proof(4, 10), log.checkpoint(10));
    expect(r2.status).toBe(200);
    expect(store.latest('example.com/test-log')?.size).toBe(10);
    // Re-submitting the same checkpoint is fine (same size, same root).
    expect(submit(10, [], log.checkpoint(10)).status).toBe(200);
  });

  it('409 with the witness size as text/x.tlog.size when the old size is not the latest cosigned', () => {
    expect(submit(0, [], log.checkpoint(6)).status).toBe(200);
    const r = submit(0, [], log.checkpoint(10));
    expect(r).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '6\n' });
    const r2 = submit(4, log.proof(4, 10), log.checkpoint(10));
    expect(r2.status).toBe(409);
    expect(r2.body).toBe('6\n');
    expect(store.latest('example.com/test-log')?.size).toBe(6);
  });

  it('409 and fork evidence for the same size with a different root', () => {
    expect(submit(0, [], log.checkpoint(10)).status).toBe(200);
    const fork = new TestLog('fork');
    Object.assign(fork, { key: log.key });
    fork.grow(10);
    const r = submit(10, [], fork.checkpoint(10));
    expect(r.status).toBe(409);
    expect(r.body).toBe('10\n');
    const [ev] = store.evidence();
    expect(ev).toMatchObject({ kind: 'fork', older: log.checkpoint(10), newer: fork.checkpoint(10), oldSize: 10, newSize: 10 });
  });

  it('422 and evidence (both checkpoints, the failing proof) for an inconsistent checkpoint', () => {
    expect(submit(0, [], log.checkpoint(6)).status).toBe(200);
    const fork = new TestLog('fork');
    Object.assign(fork, { key: log.key });
    fork.grow(12);
    const proof = fork.proof(6, 12);
    const r = submit(6, proof, fork.checkpoint(12));
    expect(r.status).toBe(422);
    expect(store.latest('example.com/test-log')?.size).toBe(6);
    const [ev] = store.evidence();
    expect(ev).toMatchObject({ kind: 'inconsistent', oldSize: 6, newSize: 12, older: log.checkpoint(6), newer: fork.checkpoint(12), proof: proof.map((p) => Buffer.from(p).toString('base64')) });
  });

  it('404 for an unknown origin, 403 for a bad or untrusted signature', () => {
    const other = new TestLog();
    Object.assign(other, { key: generateKey('example.com/other') });
    const text = log.checkpoint(3).replace('example.com/test-log', 'example.com/unknown');
    expect(submit(0, [], text).status).toBe(404);
    // Right origin, signed by another key with the same name.
    const impostor = generateKey('example.com/test-log');
    expect(submit(0, [], log.checkpoint(3, impostor.skey)).status).toBe(403);
    // Right key, altered size.
    const altered = log.checkpoint(3).replace('\n3\n', '\n4\n');
    expect(submit(0, [], altered).status).toBe(403);
    expect(store.latest('example.com/test-log')).toBeUndefined();
  });

  it('400 for malformed bodies, old size above the checkpoint size, and a proof from size 0', () => {
    const cp = log.checkpoint(5);
    for (const body of ['', 'old 1', 'old 01\n\n' + cp, 'old x\n\n' + cp, 'new 0\n\n' + cp, 'old 0\nnot-base64!\n\n' + cp, 'old 0\n\n', 'old 0\nAAAA\n\n' + cp]) {
      expect(witness.addCheckpoint(body).status).toBe(400);
    }
    expect(submit(6, [], cp).status).toBe(400);
    expect(submit(0, log.proof(2, 5), cp).status).toBe(400);
    expect(witness.addCheckpoint(`old 0\n${'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'.repeat(64)}\n${cp}`).status).toBe(400);
  });

  it('the size check and the store are atomic across two witness processes sharing the state file', () => {
    // Two Witness instances on two connections to the same file stand in for two processes.
    const store2 = WitnessStore.open(dir);
    const w2 = new Witness({ store: store2, cosigners: [cosignerFromKey(wk.skey)], logKeys: [log.key.vkey] });
    expect(submit(0, [], log.checkpoint(8), w2).status).toBe(200);
    // The first instance must see the second's update inside its transaction: old size 0 is now stale.
    expect(submit(0, [], log.checkpoint(4)).status).toBe(409);
    store2.close();
  });

  it('group commit: a batch is checked in order against the state the earlier submissions left', () => {
    const out = witness.addCheckpoints([
      formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: log.checkpoint(4) }),
      formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: log.checkpoint(6) }), // stale: the first moved the witness to 4
      'garbage',
      formatAddCheckpoint({ oldSize: 4, proof: log.proof(4, 10), checkpoint: log.checkpoint(10) }),
    ]);
    expect(out.map((r) => r.status)).toEqual([200, 409, 400, 200]);
    expect(out[1]?.body).toBe('4\n');
    expect(store.latest('example.com/test-log')?.size).toBe(10);
  });

  it('round-trips the request body format', () => {
    const req = { oldSize: 4, proof: log.proof(4, 10).map((p) => new Uint8Array(p)), checkpoint: log.checkpoint(10) };
    expect(parseAddCheckpoint(formatAddCheckpoint(req))).toEqual(req);
  });
});
