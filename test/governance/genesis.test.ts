// The genesis ceremony's input checks: only real, distinct admin keys and a
// satisfiable quorum make a governed genesis.
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../src/ledger/note.js';
import { governanceGenesis } from '../../src/governance/genesis.js';

describe('governanceGenesis', () => {
  const [a, b, c] = ['alice-admin', 'bob-admin', 'carol-admin'].map((n) => generateKey(n).vkey);

  it('names each admin after its key and keeps the quorum', () => {
    expect(governanceGenesis([a!, b!, c!], 2)).toEqual({
      admins: [
        { name: 'alice-admin', vkey: a },
        { name: 'bob-admin', vkey: b },
        { name: 'carol-admin', vkey: c },
      ],
      quorum: 2,
    });
  });

  it.each([
    ['a repeated admin', () => governanceGenesis([a!, a!], 1)],
    ['a quorum larger than the admin set', () => governanceGenesis([a!, b!], 3)],
    ['a zero quorum', () => governanceGenesis([a!], 0)],
    ['a private key passed as --admin', () => governanceGenesis([generateKey('x').skey], 1)],
    ['garbage', () => governanceGenesis(['not-a-key'], 1)],
  ])('refuses %s', (_name, fn) => {
    expect(fn).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
