// The two things the alert area needs from the log: append an entry and wait
// until it is durable, and read entries in index order from some point (to
// rebuild alert state, including acks another process — the CLI — appended).
export interface LoggedEntry {
  index: number;
  entry: unknown;
}

export interface AlertLog {
  /** Appends and resolves with the entry's index once it is durable. MAY throw IlogError('PUSHBACK'). */
  append(entry: object): Promise<number>;
  /** Up to `max` durable entries with index ≥ `from`, in index order; fewer (or none) at the end of the log. */
  read(from: number, max: number): Promise<LoggedEntry[]>;
}
