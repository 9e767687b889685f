// The shared test vectors live beside the project checkout (../shared/testdata),
// in development and in CI alike; ILOG_TESTDATA overrides the location.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const TESTDATA = process.env.ILOG_TESTDATA ?? join(ROOT, '..', 'shared', 'testdata');

export function testdataPath(...parts: string[]): string {
  return join(TESTDATA, ...parts);
}

export function readTestdataJson<T>(...parts: string[]): T {
  return JSON.parse(readFileSync(testdataPath(...parts), 'utf8')) as T;
}
