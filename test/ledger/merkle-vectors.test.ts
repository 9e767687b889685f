// Every transparency-dev/merkle test vector (see test/testdata/merkle/SOURCE.md):
// happy paths must verify, every wantErr mutation must be rejected with a code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, leafHash, MemoryTree, toHex, verifyConsistency, verifyInclusion } from '../../src/ledger/index.js';
import { isIlogError } from '../../src/ledger/errors.js';
import { testdataPath } from '../helpers/testdata.js';

const DATA = testdataPath('merkle');
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? jsonFiles(p) : name.endsWith('.json') ? [p] : [];
  });
}

function expectVerdict(run: () => void, wantErr: boolean): void {
  if (!wantErr) {
    run();
    return;
  }
  let err: unknown;
  try {
    run();
  } catch (e) {
    err = e;
  }
  expect(isIlogError(err), `expected an IlogError, got ${String(err)}`).toBe(true);
  expect(['INCLUSION_PROOF_INVALID', 'CONSISTENCY_PROOF_INVALID', 'BAD_PROOF_SHAPE']).toContain((err as { code: string }).code);
}

interface InclusionCase { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; desc: string; wantErr: boolean }
interface ConsistencyCase { size1: number; size2: number; root1: string; root2: string; proof: string[] | null; desc: string; wantErr: boolean }

describe('inclusion vectors', () => {
  const files = jsonFiles(join(DATA, 'inclusion'));
  it('has vectors', () => expect(files.length).toBeGreaterThan(50));
  for (const f of files) {
    const c = JSON.parse(readFileSync(f, 'utf8')) as InclusionCase;
    it(`${f.slice(DATA.length + 1)} (${c.wantErr ? 'reject' : 'accept'})`, () => {
      expectVerdict(() => verifyInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), (c.proof ?? []).map(b64), b64(c.root)), c.wantErr);
    });
  }
});

describe('consistency vectors', () => {
  const files = jsonFiles(join(DATA, 'consistency'));
  it('has vectors', () => expect(files.length).toBeGreaterThan(50));
  for (const f of files) {
    const c = JSON.parse(readFileSync(f, 'utf8')) as ConsistencyCase;
    it(`${f.slice(DATA.length + 1)} (${c.wantErr ? 'reject' : 'accept'})`, () => {
      expectVerdict(() => verifyConsistency(c.size1, c.size2, (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2)), c.wantErr);
    });
  }
});

describe('reference roots', () => {
  const ref = JSON.parse(readFileSync(join(DATA, 'reference.json'), 'utf8')) as { leafInputsHex: string[]; rootHashesHexBySize: string[] };
  it('empty root is SHA-256("")', () => expect(toHex(EMPTY_ROOT)).toBe(ref.rootHashesHexBySize[0]));
  it('roots of every prefix match', () => {
    const tree = MemoryTree.fromEntries(ref.leafInputsHex.map((h) => new Uint8Array(Buffer.from(h, 'hex'))));
    ref.rootHashesHexBySize.forEach((want, size) => expect(toHex(tree.root(size)), `size ${size}`).toBe(want));
  });
  it('leaf hash of the empty entry', () => {
    expect(toHex(leafHash(new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });
});
