// Why misuse is missed (docs/detect.md): the detector's trace says why an access
// raised nothing (the evaluation's diagnosis of each missed instance reads it).
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, T0, Stream, ordinaryWeeks, view } from './helpers.js';

const AFTER = T0 + 10 * DAY;

describe('trace: why an access raised nothing', () => {
  it('names the explanation that covered a glance', () => {
    const s = new Stream();
    const traced: [number, string, string][] = [];
    s.detector.trace = (index, stage, why) => void traced.push([index, stage, why]);
    s.push({ v: 1, kind: 'context.update', time: new Date(T0).toISOString(), source: 'app:hr', relationships: [{ person: 'alice', subject: 'p-onc', kind: 'consult' }] });
    ordinaryWeeks(s);
    for (let d = 0; d < 10; d++) s.push(view('carol', T0 + d * DAY + 10 * HOUR, 'p-onc', { role: 'nurse:oncology' }));
    const glance = s.next;
    s.push(view('alice', AFTER + 10 * HOUR, 'p-onc'), view('alice', AFTER + 19 * HOUR, 'p-1'));
    expect(s.since(glance, 'foreign-record')).toEqual([]);
    expect(traced.filter(([i]) => i === glance)).toEqual([[glance, 'explained', expect.stringContaining('consult relationship')]]);
  });
});
