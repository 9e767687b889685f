// The parse step on its own (no PostgreSQL): what can be purpose-free, what
// must be resolved in the session, actions and bodies, GUC rules, naming.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, loadParser } from '../../src/capture/pg/classify.js';
import { judgeProbe } from '../../src/capture/pg/resolve.js';
import { parseSearchPath, qualifyRelations } from '../../src/capture/pg/search-path.js';
import { SessionGucs } from '../../src/capture/pg/session-gucs.js';

beforeAll(async () => {
  await loadParser();
});

const one = (sql: string) => analyze(sql)[0]!;

describe('classify: purpose-free only by the allow-list, resolved in the session', () => {
  it.each([
    ['SELECT 1', true, false],
    ['SET search_path = hr', true, false],
    ['SELECT pg_catalog.version()', true, false],
    ['SELECT c.relname FROM pg_catalog.pg_class c', false, true], // c.relname may be relname(c)
    ['SELECT version()', false, true],
    ['SELECT * FROM pg_class', false, true],
    ['SELECT * FROM pg_helper', false, false],
    ['SELECT * FROM pg_stats', false, false],
    ['SELECT * FROM pg_catalog.pg_authid', false, false],
    ['SELECT scratch.version()', false, false],
    ["SELECT pg_read_file('/etc/passwd')", false, false],
    ['SELECT * FROM patients', false, false],
    ["SELECT 'x'::mytype", false, true],
    ['SELECT 1 OPERATOR(scratch.===) 2', false, false],
  ])('%s → housekeeping %s, resolve %s', (sql, housekeeping, resolve) => {
    const i = one(sql);
    expect([i.housekeeping, i.catalogCheck !== undefined]).toEqual([housekeeping, resolve]);
  });

  it('bodies, SQL arguments and writable CTEs give the real action and tables', () => {
    const d = one("DO $$ BEGIN UPDATE hr.salaries SET salary = 0; END $$");
    expect([d.action, d.relations, d.body?.text]).toEqual(['update', ['hr.salaries'], 'UPDATE hr.salaries SET salary = $1']);
    expect(one("DO $$ BEGIN EXECUTE 'DELETE FROM x'; END $$").body?.opaque).toBe(true);
    expect(one("DO LANGUAGE plperl $$ my $x = 1; spi_exec_query('DELETE FROM t'); $$").action).toBe('delete');
    const f = one("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT count(*) FROM patients'");
    expect([f.action, f.relations]).toEqual(['ddl', ['patients']]);
    expect(one("SELECT query_to_xml('select * from patients', true, false, '')").relations).toEqual(['patients']);
    expect(one('WITH x AS (DELETE FROM a RETURNING *) SELECT * FROM x').action).toBe('delete');
    expect(one('WITH x AS (SELECT 1) INSERT INTO b SELECT * FROM x').relations).toEqual(['b']);
  });

  it('reads the probe answer: anything but pg_catalog, or any shadow, is not catalog-only', () => {
    expect(judgeProbe('{"r":[["pg_class","pg_catalog"]],"t":null,"f":null,"o":null}').catalogOnly).toBe(true);
    expect(judgeProbe('{"r":[["pg_class","pg_temp_3"]],"t":null,"f":null,"o":null}')).toMatchObject({ catalogOnly: false, relations: new Map([['pg_class', 'pg_temp_3.pg_class']]) });
    expect(judgeProbe('{"r":null,"t":null,"f":["version"],"o":null}').catalogOnly).toBe(false);
    expect(judgeProbe('{"r":[["pg_roles",null]]}').catalogOnly).toBe(false);
    expect(judgeProbe('not json').catalogOnly).toBe(false);
  });
});

describe('SessionGucs: PostgreSQL GUC rules', () => {
  const g = (sql: string, s: SessionGucs) => {
    for (const i of analyze(sql)) if (i.guc) s.apply(i.guc);
  };
  it('SET LOCAL, rollback, savepoints, RESET ALL, failed COMMIT', () => {
    const s = new SessionGucs({ 'ilog.purpose': 'start' });
    g("BEGIN; SET LOCAL ilog.purpose = 'l'", s);
    expect(s.purpose).toBe('l');
    g('COMMIT', s);
    expect(s.purpose).toBe('start');
    g("BEGIN; SET ilog.purpose = 'a'; SAVEPOINT p; SET ilog.purpose = 'b'", s);
    g('ROLLBACK TO SAVEPOINT p', s);
    expect(s.purpose).toBe('a');
    g('RELEASE SAVEPOINT p; COMMIT', s);
    expect(s.purpose).toBe('a');
    g("BEGIN; SET ilog.purpose = 'c'", s);
    s.markFailed();
    g('COMMIT', s);
    expect(s.purpose).toBe('a');
    g('RESET ALL', s);
    expect(s.purpose).toBe('start');
    g("SET ilog.purpose = 'd'; DISCARD ALL", s);
    expect(s.purpose).toBe('start');
  });

  it('search_path: known after SET, unknown at the server default or after set_config()', () => {
    const s = new SessionGucs({});
    expect(s.searchPath).toBeUndefined();
    g('SET search_path = hr, "$user"', s);
    expect(s.searchPath).toBe('hr, "$user"');
    g("SELECT set_config('search_path', 'x', false)", s);
    expect(s.searchPath).toBeUndefined();
  });
});

describe('naming relations by the followed search_path', () => {
  it('parses search_path values', () => {
    expect(parseSearchPath('hr, "$user", "Odd ""x""", public')).toEqual(['hr', '$user', 'Odd "x"', 'public']);
  });
  it('is certain only when one schema can hold the name', () => {
    expect(qualifyRelations(['patients', 'hr.x'], 'hr', false)).toEqual({ relations: ['hr.patients', 'hr.x'], unresolved: [] });
    expect(qualifyRelations(['patients'], undefined, false)).toEqual({ relations: ['public.patients'], unresolved: ['public.patients'] });
    expect(qualifyRelations(['patients'], 'hr', true).unresolved).toEqual(['hr.patients']);
    expect(qualifyRelations(['pg_class'], 'hr', false)).toEqual({ relations: ['pg_catalog.pg_class'], unresolved: ['pg_catalog.pg_class'] });
    expect(qualifyRelations(['pg_helper'], 'scratch', false)).toEqual({ relations: ['scratch.pg_helper'], unresolved: [] });
  });
});
