// What the proxy follows of one session's state, statement by statement in
// request order: ilog.purpose and search_path by PostgreSQL's GUC rules
// (session-gucs.ts), whether temporary relations may exist, and SQL-level
// prepared statements — and, from that, each statement's gate candidate with
// its relations named as the session resolves them (search-path.ts).
import type { StatementInfo } from './classify.js';
import type { Candidate } from './gate.js';
import { qualifyRelations } from './search-path.js';
import { SessionGucs } from './session-gucs.js';

export class SessionState {
  readonly gucs: SessionGucs;
  /** The session may hold temporary relations (which shadow every schema). */
  #temp = false;
  /** SQL-level prepared statements (PREPARE name AS …), so EXECUTE name is logged as what it runs. */
  #sqlPrepared = new Map<string, StatementInfo>();

  constructor(startup: { purpose?: string; searchPath?: string }) {
    this.gucs = new SessionGucs({
      ...(startup.purpose !== undefined ? { 'ilog.purpose': startup.purpose } : {}),
      ...(startup.searchPath !== undefined ? { search_path: startup.searchPath } : {}),
    });
  }

  get purpose(): string | undefined {
    return this.gucs.purpose;
  }

  /** Follows the statement's effect on ilog.purpose, search_path, the transaction, temporary relations and prepared statements. */
  follow(info: StatementInfo): void {
    if (info.temp) this.#temp = true;
    const g = info.guc;
    if (g) this.gucs.apply(g);
    if ((g?.t === 'reset-all' && g.discard) || g?.t === 'discard-temp') this.#temp = false;
    if (g?.t === 'reset-all' && g.discard) this.#sqlPrepared.clear();
    const p = info.sqlPrepared;
    if (p?.op === 'prepare' && p.name !== undefined) this.#sqlPrepared.set(p.name, info);
    if (p?.op === 'deallocate') p.name === undefined ? this.#sqlPrepared.clear() : this.#sqlPrepared.delete(p.name);
  }

  /**
   * EXECUTE name runs what PREPARE name named: logged with its action and
   * relations. It always needs a purpose: PREPARE itself is housekeeping (it
   * reads nothing), so whatever it prepared is read at EXECUTE.
   */
  #executed(info: StatementInfo): StatementInfo {
    const p = info.sqlPrepared?.op === 'execute' && info.sqlPrepared.name !== undefined ? this.#sqlPrepared.get(info.sqlPrepared.name) : undefined;
    if (!p) return info;
    return { ...info, action: p.sqlPrepared?.action ?? 'other', relations: p.relations, housekeeping: false, temp: info.temp || p.temp, ...(p.body ? { body: p.body } : {}) };
  }

  /** Follows one statement, then gives its candidate (purpose: a comment's, else the session's after the statement). */
  candidate(stated: StatementInfo, comment: string | undefined, boundValues?: string[]): Candidate {
    this.follow(stated);
    const info = this.#executed(stated);
    const q = qualifyRelations(info.relations, this.gucs.searchPath, this.#temp || info.temp);
    return { info, purpose: comment ?? this.gucs.purpose, boundValues, relations: q.relations, unresolved: q.unresolved };
  }

  /** The candidates of one simple Query, in order. */
  query(infos: StatementInfo[], comment: string | undefined): Candidate[] {
    // Several statements in one Query run in one implicit transaction (SET LOCAL lasts until its end).
    const implicit = infos.length > 1 && !this.gucs.inTransaction && !infos.some((i) => i.kind === 'TransactionStmt');
    if (implicit) this.gucs.apply({ t: 'begin' });
    let changed = false;
    const cands = infos.map((info) => {
      const c = this.candidate(info, comment);
      // Names resolved before the Query ran cannot answer for a statement after one that changes the session.
      if (changed && c.info.catalogCheck) c.info = { ...c.info, catalogCheck: undefined };
      changed ||= info.guc !== undefined || (!info.catalogCheck && !info.housekeeping);
      return c;
    });
    if (implicit) this.gucs.apply({ t: 'commit', chain: false });
    return cands;
  }
}
