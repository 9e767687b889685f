// JSON request bodies for every route that turns one into a log entry (POST /add,
// POST /v1/access). RFC 8259 §4 leaves duplicate member names to the parser and
// JSON.parse keeps the last one, so `{"kind":"access","kind":"lock.set"}` means
// one thing to a proxy or WAF in front of us and another to the log: such a body
// is refused (DUPLICATE_KEY, 400) instead.
import type { FastifyInstance } from 'fastify';
import { IlogError } from '../ledger/errors.js';

/**
 * The first repeated member name in valid JSON `text` (names compared after
 * unescaping, so "a" and "\u0061" are the same), with its object's path, or undefined.
 */
export function duplicateKey(text: string): { key: string; path: string } | undefined {
  // One scan over text JSON.parse accepted: a stack of open containers, each
  // object with the names seen so far and whether a string now would be a name.
  // The scan jumps from one structural character to the next (a regex and indexOf run
  // natively: the batch API's 16 MiB bodies are mostly string content).
  const stack: { names: Set<string> | undefined; expectName: boolean; path: string; last: string }[] = [];
  const structural = /["{}[\],]/g;
  for (let m = structural.exec(text); m !== null; m = structural.exec(text)) {
    const i = m.index;
    const c = m[0];
    if (c === '"') {
      let j = text.indexOf('"', i + 1);
      while (escapedAt(text, j)) j = text.indexOf('"', j + 1);
      structural.lastIndex = j + 1;
      const top = stack[stack.length - 1];
      if (top?.names && top.expectName) {
        const raw = text.slice(i + 1, j);
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (top.names.has(name)) return { key: name, path: top.path };
        top.names.add(name);
        top.expectName = false;
        top.last = name;
      }
    } else if (c === '{' || c === '[') {
      const parent = stack[stack.length - 1];
      const path = parent ? (parent.names ? `${parent.path}.${parent.last}` : `${parent.path}[]`) : '';
      stack.push({ names: c === '{' ? new Set() : undefined, expectName: c === '{', path, last: '' });
    } else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.names) top.expectName = true;
    }
  }
  return undefined;
}

/**
 * Does valid JSON `text`, parsed as `value`, name a member twice anywhere? The cheap test
 * run on every body (a 16 MiB batch holds ~100,000 objects): each member of the text has
 * exactly one ':' outside strings, and JSON.parse keeps one own key per distinct name, so
 * the text repeats a name exactly when it has more members than the parsed objects have
 * keys. No sets, no name strings; duplicateKey then finds the name for the error.
 */
export function repeatsAKey(text: string, value: unknown): boolean {
  let members = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      let j = text.indexOf('"', i + 1);
      while (escapedAt(text, j)) j = text.indexOf('"', j + 1);
      i = j;
    } else if (c === 58) members++;
  }
  return members !== keysIn(value);
}

/** Own keys of every object in a parsed JSON value (iterative: nesting depth is the sender's choice). */
function keysIn(value: unknown): number {
  let keys = 0;
  const todo: unknown[] = [value];
  while (todo.length > 0) {
    const v = todo.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) todo.push(x);
      continue;
    }
    for (const k in v) {
      keys++;
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null) todo.push(x);
    }
  }
  return keys;
}

/** Is the quote at `j` escaped (preceded by an odd number of backslashes)? */
function escapedAt(text: string, j: number): boolean {
  let n = 0;
  while (text.charCodeAt(j - 1 - n) === 92) n++;
  return n % 2 === 1;
}

/** Parses one JSON text; BAD_JSON if it is not JSON, DUPLICATE_KEY if a member name repeats. `line` names a batch line. */
export function parseJsonBody(text: string, line?: number): unknown {
  const where = line === undefined ? {} : { line };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new IlogError('BAD_JSON', line === undefined ? 'request body is not valid JSON' : `line ${line} is not valid JSON`, where);
  }
  const dup = repeatsAKey(text, value) ? duplicateKey(text) : undefined;
  if (dup) {
    const at = `${dup.path ? dup.path.slice(1) + '.' : ''}${dup.key}`;
    throw new IlogError('DUPLICATE_KEY', `${line === undefined ? 'the body' : `line ${line}`} names "${at}" twice; send each field once`, { ...where, field: at });
  }
  return value;
}

/** Replaces a Fastify scope's application/json parser with parseJsonBody (bodies up to `bodyLimit` bytes). */
export function useStrictJson(scope: FastifyInstance, bodyLimit?: number): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string', ...(bodyLimit === undefined ? {} : { bodyLimit }) }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (e) {
      // Unparseable bodies keep the scope's own answer for them (Fastify's 400); duplicates are ours.
      const err = e as IlogError;
      done(err.code === 'BAD_JSON' ? Object.assign(new Error(err.message), { statusCode: 400 }) : err, undefined);
    }
  });
}
