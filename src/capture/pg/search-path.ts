// Naming relations the way PostgreSQL resolves them in a session, for the log.
// PostgreSQL looks an unqualified relation up in pg_temp first, then
// pg_catalog (each unless the search_path places it explicitly), then each
// schema of search_path in order ("$user" being the role's own schema, when it
// exists). The proxy knows the search_path it has followed (session-gucs.ts)
// but not which schemas hold which tables, so a name is only "resolved" when
// exactly one schema can hold it; otherwise the entry says it is unresolved
// and the reconciler records what PostgreSQL really touched.
import { isCatalogRelation } from './catalog-allowlist.js';

/** Splits a search_path value (`hr, "$user", "Odd ""x"""`) into schema names. */
export function parseSearchPath(text: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^,\s]+))\s*(?:,|$)/gy;
  for (let m = re.exec(text); m && m[0] !== ''; m = re.exec(text)) out.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase());
  return out;
}

export interface Qualified {
  relations: string[];
  /** Those of `relations` the proxy could not pin to one schema. */
  unresolved: string[];
}

/**
 * Qualifies the relation names of a statement (`hr.patients` stays, `patients`
 * gets a schema). `searchPath` undefined: the session's path is not known
 * (server or role default, set_config()). `temp`: the session may hold
 * temporary relations, which shadow every other schema.
 */
export function qualifyRelations(names: string[], searchPath: string | undefined, temp: boolean): Qualified {
  const relations = new Set<string>();
  const unresolved = new Set<string>();
  const path = searchPath === undefined ? undefined : parseSearchPath(searchPath);
  const catalogFirst = !path?.includes('pg_catalog');
  for (const n of names) {
    if (n.includes('.')) {
      relations.add(n);
      continue;
    }
    const explicit = (path ?? ['$user', 'public']).filter((s) => s !== 'pg_catalog' && s !== 'pg_temp');
    // pg_catalog comes first (unless placed): a name it holds is its; any other name is looked up along the path.
    const catalog = isCatalogRelation(n);
    const guess = catalog && catalogFirst ? 'pg_catalog' : (explicit.find((s) => s !== '$user') ?? 'public');
    const name = `${guess}.${n}`;
    relations.add(name);
    // Certain only when one schema can hold it: the path is known, names one schema, and no temporary relation can shadow it.
    const certain = path !== undefined && !temp && explicit.length === 1 && explicit[0] !== '$user' && !(catalog && catalogFirst);
    if (!certain) unresolved.add(name);
  }
  return { relations: [...relations].sort(), unresolved: [...unresolved].sort() };
}
