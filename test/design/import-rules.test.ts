// DESIGN.md's arrows between areas, checked on every import in src/ (static,
// re-export and dynamic import()): ledger/ imports no other area; storage/
// imports only ledger/; nothing outside cli/ imports cli/.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const SRC = join(REPO_ROOT, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const areaOf = (file: string): string => relative(SRC, file).split(sep)[0]!;

/** Every (file, imported area) pair in src/, relative imports only (packages are not areas). */
function edges(): { from: string; file: string; to: string }[] {
  const out: { from: string; file: string; to: string }[] = [];
  const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const file of tsFiles(SRC)) {
    const text = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const m of text.matchAll(specifier)) {
      const target = resolve(dirname(file), m[1]!);
      if (!target.startsWith(SRC + sep)) continue;
      out.push({ from: areaOf(file), file: relative(SRC, file), to: areaOf(target) });
    }
  }
  return out;
}

describe('import rules (DESIGN.md "Layout")', () => {
  const all = edges();

  it('sees the imports it checks', () => {
    expect(all.length).toBeGreaterThan(500);
    expect(all).toContainEqual({ from: 'storage', file: 'storage/args.ts', to: 'ledger' });
  });

  it('ledger/ imports nothing from the other areas', () => {
    expect(all.filter((e) => e.from === 'ledger' && e.to !== 'ledger')).toEqual([]);
  });

  it('storage/ imports only ledger/', () => {
    expect(all.filter((e) => e.from === 'storage' && e.to !== 'storage' && e.to !== 'ledger')).toEqual([]);
  });

  it('nothing imports cli/', () => {
    expect(all.filter((e) => e.to === 'cli' && e.from !== 'cli')).toEqual([]);
  });
});
