import { isIlogError } from '../../src/ledger/errors.js';

/** Runs `run` and returns the IlogError code it threw, or undefined; other errors propagate. */
export function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    if (isIlogError(e)) return e.code;
    throw e;
  }
  return undefined;
}

/** codeOf for a promise-returning `run`. */
export async function codeOfAsync(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    if (isIlogError(e)) return e.code;
    throw e;
  }
  return undefined;
}
