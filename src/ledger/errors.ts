// One error class for the whole project. Every error carries a stable string
// `code` (tests and callers branch on it, never on the message), a message that
// says what to do next, and optional evidence (indexes, expected and found
// values) so a failure can be acted on without re-running anything.

export class IlogError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly evidence: Readonly<Record<string, unknown>> | undefined;

  constructor(code: Code, message: string, evidence?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IlogError';
    this.code = code;
    this.evidence = evidence ? Object.freeze({ ...evidence }) : undefined;
  }

  toJSON(): { code: Code; message: string; evidence?: Readonly<Record<string, unknown>> } {
    return this.evidence ? { code: this.code, message: this.message, evidence: this.evidence } : { code: this.code, message: this.message };
  }
}

export function isIlogError(e: unknown, code?: string): e is IlogError {
  return e instanceof IlogError && (code === undefined || e.code === code);
}
