// The repository stands alone: a clone with nothing beside it must build, test and
// run. Nothing may reach for the steering folder that sits beside checkouts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE = /(\.(ts|js|mjs|cjs|json|sh)|^run)$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name === 'testdata') return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : SOURCE.test(name) ? [path] : [];
  });
}

describe('the repository stands alone', () => {
  it('no code, test, benchmark or CI script reads ../shared', () => {
    const outside = /\.\.\/shared|\/work\/shared|'\.\.',\s*'shared'/;
    const found = ['src', 'test', 'bench', 'eval', '.ci']
      .flatMap((d) => files(join(ROOT, d)))
      .filter((f) => f !== fileURLToPath(import.meta.url))
      .filter((f) => outside.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(found).toEqual([]);
  });

  it('the test vectors are in the repository with their source and licence', () => {
    for (const dir of ['merkle', 'c2sp']) {
      expect(statSync(join(ROOT, 'test', 'testdata', dir, 'SOURCE.md')).isFile()).toBe(true);
    }
    expect(statSync(join(ROOT, 'test', 'testdata', 'merkle', 'LICENSE')).isFile()).toBe(true);
  });
});
