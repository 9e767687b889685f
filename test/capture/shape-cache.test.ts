// The shape cache answers exactly what a fresh parse answers: many statements
// that differ only in constants (and some that only look alike) are analysed
// through one Analyzer and compared with classify's analyze() of the same text.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, Analyzer, loadParser } from '../../src/capture/pg/classify.js';
import { fingerprint } from '../../src/capture/pg/fingerprint.js';
import { ShapeCache } from '../../src/capture/pg/shape-cache.js';

let seed = 11;
const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
const pick = <T>(xs: T[]): T => xs[rnd(xs.length)]!;

const int = (): string => pick(['0', '7', '007', '42', '2147483647', '2147483648', '99999999999', String(rnd(1e6))]);
const num = (): string => pick(['1.5', '0.25', '3e5', '1.5E-3', '10.0', int()]);
const str = (): string => `'${pick(['', 'a', "it''s", 'x y', 'true', '1', '--no comment', '/* no */', ';', '$1'])}'`;
const lit = (): string => pick([int(), num(), str(), 'true', 'FALSE', 'NULL', `-${int()}`, `- ${int()}`]);

const SHAPES: (() => string)[] = [
  () => `SELECT abalance FROM pgbench_accounts WHERE aid = ${int()};`,
  () => `select * from t where a = ${lit()} and b = ${lit()} /* purpose: T-1 */`,
  () => `SELECT a, ${lit()} FROM "Weird""Table" WHERE x IN (${lit()}, ${lit()}) LIMIT ${int()}`,
  () => `UPDATE pgbench_accounts SET abalance = abalance + ${int()} WHERE aid = ${int()}`,
  () => `INSERT INTO h (a, b, c, d) VALUES (${int()}, ${num()}, ${str()}, CURRENT_TIMESTAMP)`,
  () => `DELETE FROM t WHERE d < now() - interval ${str()} -- ${lit()}\n`,
  () => `SELECT 1; SELECT x FROM t WHERE y = ${lit()}; UPDATE t SET z = ${str()}`,
  () => `SELECT x::numeric(10,${int().slice(0, 1)}) FROM t WHERE y = ${lit()}::text`,
  () => `WITH c AS (SELECT ${lit()} AS v) SELECT v FROM c WHERE v <> ${lit()}`,
  () => `SELECT $1, x FROM t WHERE y = ${lit()}`,
  () => `SET ilog.purpose = ${str()}`,
  () => `SELECT E'a\\n', ${lit()}`,
  () => `SELECT 'a' 'b', ${lit()}`,
  () => `SELECT ${lit()} /* nested /* comment */ ${lit()} */, ${lit()}`,
  () => `SELECT é, ${lit()} FROM t`,
];

beforeAll(async () => {
  await loadParser();
});

describe('shape cache', () => {
  it('gives exactly what a fresh parse gives, over many random statements', () => {
    const shapes = new ShapeCache(50);
    const cached = new Analyzer(50);
    let n = 0;
    for (let i = 0; i < 3000; i++) {
      const sql = pick(SHAPES)();
      let fresh: unknown;
      try {
        fresh = analyze(sql);
      } catch (e) {
        expect(() => shapes.analyze(sql, analyze)).toThrow();
        continue;
      }
      expect(shapes.analyze(sql, analyze), sql).toEqual(fresh);
      expect(cached.analyze(sql), sql).toEqual(fresh);
      n++;
    }
    expect(n).toBeGreaterThan(2000);
    expect(shapes.hits).toBeGreaterThan(1000);
  });

  it('answers statements of a known shape without parsing', () => {
    const shapes = new ShapeCache(10);
    let parses = 0;
    const parse = (sql: string, locations: number[][]) => (parses++, analyze(sql, locations));
    for (let aid = 1; aid <= 100; aid++) {
      const infos = shapes.analyze(`SELECT abalance FROM pgbench_accounts WHERE aid = ${aid};`, parse);
      expect(infos[0]!.literals).toEqual([String(aid)]);
    }
    expect(parses).toBe(2); // the shape, and its check with other constants
    expect(shapes.hits).toBe(99);
    // A shape whose constant the lexer cannot vouch for is parsed every time.
    for (const v of ['-1', '-2']) shapes.analyze(`SELECT x FROM t WHERE y = ${v}`, parse);
    expect(parses).toBe(4);
  });

  it('gives up on text it cannot follow exactly', () => {
    for (const sql of ["SELECT E'x'", 'SELECT $$x$$', "SELECT 'a\\b'", 'SELECT 1a', 'SELECT .5', "SELECT 'a'\n'b'", 'SELECT /* open', "SELECT 'é'"]) {
      expect(fingerprint(sql), sql).toBeUndefined();
    }
    expect(fingerprint("SELECT 'it''s', 007, 2147483648, 1.50 FROM t WHERE c = $1")).toEqual({
      key: "SELECT \0s, \0i, \0n, \0n FROM t WHERE c = $1",
      literals: [
        { at: 7, end: 14, cls: 's', value: "it's" },
        { at: 16, end: 19, cls: 'i', value: '7' },
        { at: 21, end: 31, cls: 'n', value: '2147483648' },
        { at: 33, end: 37, cls: 'n', value: '1.50' },
      ],
    });
  });
});
