// DESIGN.md's arrows between areas, checked on every import in src/ (static,
// re-export and dynamic import()): ledger/ imports no other area; storage/
// imports only ledger/; nothing outside cli/ imports cli/; only cli/ imports
// server/ (the composition root); and the areas import each other without a
// loop (docs/dev/areas.md draws the graph).
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

/** A cycle in the graph `area -> areas it imports`, as [a, b, …, a], or undefined. */
function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (a: string): string[] | undefined => {
    if (state.get(a) === 'done') return undefined;
    if (state.get(a) === 'open') return [...path.slice(path.indexOf(a)), a];
    state.set(a, 'open');
    path.push(a);
    for (const b of [...(graph.get(a) ?? [])].sort()) {
      const c = visit(b);
      if (c) return c;
    }
    path.pop();
    state.set(a, 'done');
    return undefined;
  };
  for (const a of [...graph.keys()].sort()) {
    const c = visit(a);
    if (c) return c;
  }
  return undefined;
}

const graphOf = (pairs: [string, string][]): Map<string, Set<string>> => {
  const g = new Map<string, Set<string>>();
  for (const [a, b] of pairs) if (a !== b) g.set(a, (g.get(a) ?? new Set()).add(b));
  return g;
};

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

  it('server/ (the composition root) is imported only by cli/', () => {
    expect(all.filter((e) => e.to === 'server' && e.from !== 'server' && e.from !== 'cli')).toEqual([]);
  });

  it('the areas import each other without a loop (the loop and the files behind each arrow are reported)', () => {
    const cycle = findCycle(graphOf(all.map((e) => [e.from, e.to])));
    const evidence = (cycle ?? []).slice(1).map((to, i) => `${cycle![i]} -> ${to}: ${all.filter((e) => e.from === cycle![i] && e.to === to).map((e) => e.file).join(', ')}`);
    expect(evidence).toEqual([]);
  });

  it('the loop finder finds loops of two and more areas, and none in a layered graph', () => {
    expect(findCycle(graphOf([['a', 'b'], ['b', 'a']]))).toEqual(['a', 'b', 'a']);
    expect(findCycle(graphOf([['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'b']]))).toEqual(['b', 'c', 'd', 'b']);
    expect(findCycle(graphOf([['cli', 'server'], ['server', 'http'], ['server', 'log'], ['http', 'log'], ['log', 'ledger'], ['x', 'x']]))).toBeUndefined();
  });
});
