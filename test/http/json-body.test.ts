// duplicateKey: the scan that refuses a JSON body naming a field twice, over the
// string forms that could fool a scanner (escaped quotes, backslash runs, names
// that differ only in escaping, structural characters inside strings).
import { describe, expect, it } from 'vitest';
import { duplicateKey } from '../../src/http/json-body.js';

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
  });
});
