// Test vectors live in the repository (test/testdata, each folder with its SOURCE.md
// and licence), so a clone with nothing beside it passes; ILOG_TESTDATA overrides.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const TESTDATA = process.env.ILOG_TESTDATA ?? join(ROOT, 'test', 'testdata');

export function testdataPath(...parts: string[]): string {
  return join(TESTDATA, ...parts);
}

export function readTestdataJson<T>(...parts: string[]): T {
  return JSON.parse(readFileSync(testdataPath(...parts), 'utf8')) as T;
}
