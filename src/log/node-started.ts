// `node.started`: every start of a long-running ilog process that holds the log
// (`ilog serve`, `ilog proxy`, and `ilog demo` through serve) appends what it
// runs — the ilog version, a SHA-256 over the code files of the tree it was
// loaded from (dist/ when built, src/ under tsx) and over its effective
// configuration with secrets left out — so an upgrade, a patched file or a
// changed flag is on the record before the process serves anything.
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { z } from 'zod';
import { baseEntryShape, hex256Schema } from '../ledger/entries/common.js';
import { registerEntryKind } from '../ledger/entries/registry.js';

export const NODE_ROLES = ['serve', 'proxy', 'witness', 'mirror'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

export const nodeStartedSchema = z.strictObject({
  ...baseEntryShape,
  kind: z.literal('node.started'),
  role: z.enum(NODE_ROLES),
  version: z.string().min(1).max(64),
  code: z.strictObject({ tree: z.string().min(1).max(16), files: z.number().int().nonnegative(), sha256: hex256Schema }),
  config: z.strictObject({ sha256: hex256Schema }),
  host: z.string().max(256),
  pid: z.number().int().nonnegative(),
});
registerEntryKind('node.started', nodeStartedSchema);

const CODE_FILE = /\.(?:[cm]?js|ts|json|wasm)$/;

/** The directory this module was loaded from, one up: `src` or `dist`. */
function loadedTree(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? walk(p) : CODE_FILE.test(d.name) ? [p] : [];
  });
}

let loadedHash: { tree: string; files: number; sha256: string } | undefined;

/**
 * SHA-256 over (relative path, SHA-256 of contents) of every code file under `tree`, in path order.
 * The loaded tree's is computed once per process (a standby computes it before it takes over).
 */
export function codeHash(tree?: string): { tree: string; files: number; sha256: string } {
  if (tree === undefined) return (loadedHash ??= hashTree(loadedTree()));
  return hashTree(tree);
}

function hashTree(tree: string): { tree: string; files: number; sha256: string } {
  const files = walk(tree)
    .map((p) => relative(tree, p).split('\\').join('/'))
    .sort();
  const h = createHash('sha256');
  for (const f of files) h.update(`${f}\0${createHash('sha256').update(readFileSync(join(tree, f))).digest('hex')}\n`);
  return { tree: tree.split(/[\\/]/).pop() ?? '', files: files.length, sha256: h.digest('hex') };
}

/** SHA-256 of the RFC 8785 form of a configuration (callers leave secrets out). */
export function configHash(config: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalize(config) ?? '').digest('hex');
}

/** The ilog version in the package.json next to the loaded tree. */
export function ilogVersion(tree = loadedTree()): string {
  try {
    const v = (JSON.parse(readFileSync(join(tree, '..', 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' && v.length > 0 ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function nodeStartedEntry(role: NodeRole, config: Record<string, unknown>, now = new Date()): z.infer<typeof nodeStartedSchema> {
  return { v: 1, kind: 'node.started', time: now.toISOString(), role, version: ilogVersion(), code: codeHash(), config: { sha256: configHash(config) }, host: hostname().slice(0, 256), pid: process.pid };
}

/**
 * For processes that hold no log of their own to write to (a mirror's copy is the
 * log's, byte for byte): appends the start record as one JSON line to `file`,
 * durable (fsync) before the caller goes on.
 */
export function recordStartInFile(file: string, role: NodeRole, config: Record<string, unknown>): z.infer<typeof nodeStartedSchema> {
  const entry = nodeStartedEntry(role, config);
  const fd = openSync(file, 'a', 0o600);
  try {
    writeSync(fd, JSON.stringify(entry) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return entry;
}

/** Appends the start record; resolves once it is durable (the process serves nothing before). */
export function logNodeStarted(log: { append(entry: object): Promise<number> }, role: NodeRole, config: Record<string, unknown>): Promise<number> {
  return log.append(nodeStartedEntry(role, config));
}
