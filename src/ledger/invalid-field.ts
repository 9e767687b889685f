// Turns the first zod issue into IlogError('INVALID_FIELD', …, {field}) naming the
// offending field as a dotted path (`resource.id`, `reviewers.a.webhook.secret`);
// an unknown key is named itself, not its parent. Shared by the app API, the
// alert API and the routing config so every rejection reads the same way.
import type { z } from 'zod';
import { IlogError, type ErrorCode } from './errors.js';

export function issueField(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
  return path.join('.');
}

export function invalidField(error: z.ZodError, code: ErrorCode = 'INVALID_FIELD', what = ''): IlogError {
  const issue = error.issues[0]!;
  const field = issueField(issue) || 'body';
  const message = issue.code === 'unrecognized_keys' ? `unknown field ${field}; see docs/alert.md for the accepted fields` : `${field}: ${issue.message}`;
  return new IlogError(code, what + message, { field });
}

/** Parses or throws INVALID_FIELD. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw invalidField(r.error);
  return r.data;
}
