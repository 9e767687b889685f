import { describe, expect, it } from 'vitest';
import { PurposePolicy } from '../../src/capture/pg/purpose.js';
import { isIlogError } from '../../src/ledger/errors.js';

describe('PurposePolicy', () => {
  it('accepts any non-empty purpose without a pattern', () => {
    const p = new PurposePolicy();
    expect(p.accepts('looking into a complaint')).toBe(true);
    expect(p.accepts('  ')).toBe(false);
  });

  it('applies a fixed pattern, and refuses an invalid one with a usage error', () => {
    const p = new PurposePolicy('^TICKET-[0-9]+');
    expect(p.accepts('TICKET-12 refund')).toBe(true);
    expect(p.accepts('curious')).toBe(false);
    try {
      new PurposePolicy('(');
      expect.unreachable();
    } catch (e) {
      expect(isIlogError(e, 'USAGE')).toBe(true);
    }
  });

  it('follows a live pattern, which overrides the fixed one as it changes', () => {
    let live: string | undefined;
    const p = new PurposePolicy('^TICKET-', () => live);
    expect(p.accepts('TICKET-1')).toBe(true);
    live = '^CARE-[0-9]+';
    expect(p.accepts('TICKET-1')).toBe(false);
    expect(p.accepts('CARE-7')).toBe(true);
    live = undefined;
    expect(p.accepts('TICKET-1')).toBe(true);
  });

  it('fails closed on a live pattern that does not compile', () => {
    const p = new PurposePolicy(undefined, () => '(');
    expect(p.accepts('anything')).toBe(false);
  });
});
