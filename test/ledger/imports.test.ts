// DESIGN.md's arrows: ledger/ is pure. It imports only its own files, node:crypto,
// and the two packages the entry format needs (zod, canonicalize).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve('src/ledger');
const ALLOWED_PACKAGES = new Set(['node:crypto', 'zod', 'canonicalize']);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : n.endsWith('.ts') ? [p] : [];
  });
}

describe('ledger imports', () => {
  const files = tsFiles(ROOT);
  it('finds the ledger sources', () => expect(files.length).toBeGreaterThan(10));
  for (const file of files) {
    it(relative(ROOT, file), () => {
      const src = readFileSync(file, 'utf8');
      const specs = [...src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/g), ...src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g), ...src.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
      for (const spec of specs) {
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          expect(target === ROOT || target.startsWith(ROOT + '/'), `${spec} leaves src/ledger`).toBe(true);
        } else {
          expect(ALLOWED_PACKAGES.has(spec), `${spec} is not allowed in ledger/`).toBe(true);
        }
      }
    });
  }
});
