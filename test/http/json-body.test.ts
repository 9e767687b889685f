// duplicateKey: the scan that refuses a JSON body naming a field twice, over the
// string forms that could fool a scanner (escaped quotes, backslash runs, names
// that differ only in escaping, structural characters inside strings).
import { describe, expect, it } from 'vitest';
import { duplicateKey, repeatsAKey } from '../../src/http/json-body.js';

describe('duplicateKey', () => {
  it.each([
    ['{"a":1,"b":2}', undefined],
    ['{"a":1,"a":2}', { key: 'a', path: '' }],
    ['{"a":"x\\"a\\":1","b":2}', undefined],
    ['{"a":"\\\\","a":2}', { key: 'a', path: '' }],
    ['{"a":"\\\\\\"","b":{"c":1,"c":2}}', { key: 'c', path: '.b' }],
    ['{"a":1,"\\u0061":2}', { key: 'a', path: '' }],
    ['{"a\\"b":1,"a\\"b":2}', { key: 'a"b', path: '' }],
    ['{"s":"{,}[\\"]","t":[{"x":1},{"x":2}]}', undefined],
    ['[{"x":1,"y":{"x":2}},{"x":3,"x":4}]', { key: 'x', path: '[]' }],
    ['"a"', undefined],
  ])('%s', (text, expected) => {
    JSON.parse(text); // every case is valid JSON: duplicateKey scans only what JSON.parse accepted
    expect(duplicateKey(text)).toEqual(expected);
    // The cheap test every body gets first agrees on every case.
    expect(repeatsAKey(text, JSON.parse(text))).toBe(expected !== undefined);
  });

  it('repeatsAKey counts members against parsed keys, however deep, with "__proto__" and colons in strings', () => {
    const deep = '['.repeat(100_000) + '{"a":1,"a":2}' + ']'.repeat(100_000);
    expect(repeatsAKey(deep, JSON.parse(deep))).toBe(true);
    const ok = '['.repeat(100_000) + '{"a":1,"b":"x:y"}' + ']'.repeat(100_000);
    expect(repeatsAKey(ok, JSON.parse(ok))).toBe(false);
    expect(repeatsAKey('{"__proto__":1,"a":{"b:":":"}}', JSON.parse('{"__proto__":1,"a":{"b:":":"}}'))).toBe(false);
    expect(repeatsAKey('{"__proto__":1,"__proto__":2}', JSON.parse('{"__proto__":1,"__proto__":2}'))).toBe(true);
    const escaped = JSON.stringify({ 'a\\': 1, b: '\\":', c: { 'a\\': 2 } }); // backslashes before quotes, a colon in a string
    expect(repeatsAKey(escaped, JSON.parse(escaped))).toBe(false);
  });
});
