import { describe, expect, it } from 'vitest';
import { generateKey } from '../../src/ledger/note.js';
import { generateCosignerKey } from '../../src/ledger/cosignature.js';
import { formatPolicy, parsePolicy, quorumSatisfied } from '../../src/witness/policy.js';
import { formatVerifierKey, parseVerifierKey } from '../../src/ledger/keys.js';
import { codeOf as code } from '../helpers/codes.js';

const log = generateKey('example.com/log').vkey;
const w = [1, 2, 3, 4, 5, 6].map((i) => generateCosignerKey(`w${i}.example`).vkey);
const k0 = parseVerifierKey(w[0]!);
const sameKeyOtherName = formatVerifierKey('other.example', k0.type, k0.publicKey);


describe('tlog-policy parsing', () => {
  it('parses the spec example with nested groups and evaluates the quorum', () => {
    const p = parsePolicy(`# two organisations
log ${log} https://log.example
  witness X1 ${w[0]}
witness\tX2 ${w[1]} http://127.0.0.1:1
witness X3 ${w[2]}
group X-witnesses 2 X1 X2 X3

witness Y1 ${w[3]}
witness Y2 ${w[4]}
witness Y3 ${w[5]}
group Y-witnesses any Y1 Y2 Y3
group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
`);
    expect(p.logs).toEqual([{ vkey: log, origin: 'example.com/log', url: 'https://log.example' }]);
    expect(p.witnesses.map((x) => x.name)).toEqual(['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3']);
    expect(p.witnesses[1]?.url).toBe('http://127.0.0.1:1');
    expect(quorumSatisfied(p, new Set(['X1', 'X2', 'Y3']))).toBe(true);
    expect(quorumSatisfied(p, new Set(['X1', 'Y1', 'Y2', 'Y3']))).toBe(false);
    expect(quorumSatisfied(p, new Set(['X1', 'X2', 'X3']))).toBe(false);
    expect(parsePolicy(formatPolicy(p))).toEqual(p);
  });

  it('supports quorum none and a single-witness quorum', () => {
    expect(quorumSatisfied(parsePolicy('quorum none\n'), new Set())).toBe(true);
    const p = parsePolicy(`witness A ${w[0]}\nquorum A\n`);
    expect(quorumSatisfied(p, new Set())).toBe(false);
    expect(quorumSatisfied(p, new Set(['A']))).toBe(true);
  });

  it.each([
    ['no quorum', `witness A ${w[0]}\n`],
    ['two quorums', `witness A ${w[0]}\nquorum A\nquorum A\n`],
    ['forward reference', `group G any A\nwitness A ${w[0]}\nquorum G\n`],
    ['undefined quorum', `quorum B\n`],
    ['duplicate name', `witness A ${w[0]}\nwitness A ${w[1]}\nquorum A\n`],
    ['duplicate key under another name', `witness A ${w[0]}\nwitness B ${sameKeyOtherName}\nquorum A\n`],
    ['threshold above n', `witness A ${w[0]}\nwitness B ${w[1]}\ngroup G 3 A B\nquorum G\n`],
    ['threshold zero', `witness A ${w[0]}\ngroup G 0 A\nquorum G\n`],
    ['member twice', `witness A ${w[0]}\ngroup G any A A\nquorum G\n`],
    ['none as member', `witness A ${w[0]}\ngroup G any A none\nquorum G\n`],
    ['log key as witness key', `witness A ${log}\nquorum A\n`],
    ['witness key as log key', `log ${w[0]}\nquorum none\n`],
    ['unknown keyword', `witnesses A ${w[0]}\nquorum none\n`],
    ['control character', `quorum none\r\n`],
    ['bad vkey', `witness A not-a-key\nquorum A\n`],
  ])('rejects %s with BAD_POLICY', (_name, text) => {
    expect(code(() => parsePolicy(text))).toBe('BAD_POLICY');
  });
});
