// C2SP signed-note v1.0.0, tlog-checkpoint v1.0.0 and tlog-cosignature v1.0.1:
// spec examples, the golang.org/x/mod/sumdb/note known answer, round trips, malformed input.
import { describe, expect, it } from 'vitest';
import {
  cosignatureMessage, cosignatureTimestamp, cosignatureVerifier, cosignerFromKey, cosignerVerifierKey, formatCheckpoint,
  generateCosignerKey, generateKey, keyIdHex, openCheckpoint, openNote, parseCheckpoint, parseNote, parseSignerKey,
  parseVerifierKey, signerFromKey, signNote, verifierFromKey, verifierKeyFor, fromBase64, toBase64, EMPTY_ROOT,
} from '../../src/ledger/index.js';
import { codeOf } from '../helpers/codes.js';
import { readTestdataJson } from '../helpers/testdata.js';


const vectors = readTestdataJson('c2sp', 'vectors.json') as {
  signedNote: { vkey: string; note: string; text: string };
  checkpointWithCosignature: { note: string; origin: string; size: number; rootHashBase64: string; cosignatureTimestamp: number; cosignedMessage: string };
};

// golang.org/x/mod/sumdb/note documentation example (data only): Ed25519 is deterministic,
// so the same key and text must give this exact note.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('signed notes', () => {
  it('verifies the C2SP spec example', () => {
    const v = verifierFromKey(vectors.signedNote.vkey);
    expect(keyIdHex(v.keyId)).toBe('530d903a');
    const opened = openNote(vectors.signedNote.note, [v]);
    expect(opened.text).toBe(vectors.signedNote.text);
    expect(opened.verified.map((s) => s.name)).toEqual(['example.com/foo']);
  });
  it('reproduces the sumdb/note known answer byte for byte', () => {
    expect(signNote(GO_TEXT, signerFromKey(GO_SKEY))).toBe(GO_NOTE);
    expect(verifierKeyFor(GO_SKEY)).toBe(GO_VKEY);
    expect(openNote(GO_NOTE, [verifierFromKey(GO_VKEY)]).text).toBe(GO_TEXT);
    expect(openNote(new TextEncoder().encode(GO_NOTE), [verifierFromKey(GO_VKEY)]).text).toBe(GO_TEXT);
  });
  it('generated keys round-trip and sign', () => {
    const { skey, vkey } = generateKey('log.example.com/ilog');
    expect(skey).toMatch(/^PRIVATE\+KEY\+log\.example\.com\/ilog\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(vkey).toMatch(/^log\.example\.com\/ilog\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(verifierKeyFor(skey)).toBe(vkey);
    const text = 'hello\n\nworld with a blank line\n';
    const note = signNote(text, signerFromKey(skey));
    expect(openNote(note, [verifierFromKey(vkey)]).text).toBe(text);
  });
  it('ignores unknown keys, counts repeated signatures once, requires one known signature', () => {
    const a = generateKey('a.example');
    const b = generateKey('b.example');
    const note = signNote('x\n', signerFromKey(a.skey), signerFromKey(b.skey), signerFromKey(a.skey));
    const opened = openNote(note, [verifierFromKey(a.vkey)]);
    expect(opened.verified.length).toBe(1);
    expect(opened.unverified.map((s) => s.name)).toEqual(['b.example']);
    // Same name, different key: unknown, ignored; no known signature → NOTE_UNVERIFIED.
    const impostor = generateKey('a.example');
    expect(codeOf(() => openNote(signNote('x\n', signerFromKey(impostor.skey)), [verifierFromKey(a.vkey)]))).toBe('NOTE_UNVERIFIED');
  });
  it('rejects an altered note signed by a known key', () => {
    const altered = GO_NOTE.replace('problem,', 'problem;');
    expect(codeOf(() => openNote(altered, [verifierFromKey(GO_VKEY)]))).toBe('BAD_SIGNATURE');
  });
  it('rejects malformed notes with BAD_NOTE', () => {
    const sigLine = GO_NOTE.slice(GO_TEXT.length + 1);
    for (const bad of [
      GO_TEXT, // no signatures
      `${GO_TEXT}\n`, // blank line, no signatures
      GO_NOTE.slice(0, -1), // missing final newline
      `${GO_TEXT}\n${sigLine.replace('— ', '-- ')}`,
      `${GO_TEXT}\n${sigLine.replace('PeterNeumann ', 'Peter+Neumann ')}`,
      `${GO_TEXT}\n${sigLine.replace('=\n', '\n')}`, // unpadded base64
      `${GO_TEXT}\n— PeterNeumann AAAA\n`, // too short: no signature bytes
      `a\tb\n\n${sigLine}`, // control character
      `${GO_TEXT}\n${sigLine.repeat(101)}`, // too many signatures
      `${'x'.repeat(1 << 20)}\n\n${sigLine}`, // too large
    ]) expect(codeOf(() => openNote(bad, [verifierFromKey(GO_VKEY)])), JSON.stringify(bad.slice(-80))).toBe('BAD_NOTE');
    expect(codeOf(() => openNote(new Uint8Array([0xff, 0x0a, 0x0a]), []))).toBe('BAD_NOTE');
    expect(codeOf(() => signNote('no newline', signerFromKey(GO_SKEY)))).toBe('BAD_NOTE');
    expect(codeOf(() => signNote('x\n'))).toBe('BAD_NOTE');
  });
  it('rejects malformed keys with coded errors', () => {
    for (const bad of [
      '', 'PeterNeumann', 'PeterNeumann+c74f20a3', 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10', 'PeterNeumann+c74f20a3+!!!!',
    ]) expect(codeOf(() => parseVerifierKey(bad)), bad).toBe('BAD_VKEY');
    expect(codeOf(() => verifierFromKey('PeterNeumann+c74f20a3+AhpC'))).toBeDefined();
    for (const bad of [
      '', 'PRIVATE+KEY+PeterNeumann', GO_SKEY.replace('c74f20a3', 'c74f20a4'), GO_SKEY.replace('PRIVATE', 'PUBLIC'), GO_SKEY.slice(0, -4),
    ]) expect(codeOf(() => parseSignerKey(bad)), bad).toBe('BAD_SKEY');
    const cos = generateCosignerKey('w.example');
    expect(codeOf(() => verifierFromKey(cos.vkey))).toBe('UNSUPPORTED_KEY_TYPE');
    expect(codeOf(() => signerFromKey(cos.skey))).toBe('UNSUPPORTED_KEY_TYPE');
    expect(codeOf(() => generateKey('bad name'))).toBe('BAD_KEY_NAME');
  });
  it('parseNote exposes signature lines for re-assembly', () => {
    const { text, signatures } = parseNote(GO_NOTE);
    expect(text + '\n' + signatures.map((s) => s.line).join('')).toBe(GO_NOTE);
  });
});

describe('checkpoints', () => {
  const c = vectors.checkpointWithCosignature;
  it('parses the C2SP example and formats it back', () => {
    const { text } = parseNote(c.note);
    const cp = parseCheckpoint(text);
    expect(cp).toEqual({ origin: c.origin, size: c.size, root: fromBase64(c.rootHashBase64), extensions: [] });
    expect(formatCheckpoint(cp)).toBe(text);
  });
  it('round-trips with extensions and signs/opens with origin check', () => {
    const { skey, vkey } = generateKey('log.example');
    const cp = { origin: 'log.example', size: 0, root: EMPTY_ROOT, extensions: ['ext one'] };
    const note = signNote(formatCheckpoint(cp), signerFromKey(skey));
    const opened = openCheckpoint(note, [verifierFromKey(vkey)], 'log.example');
    expect(opened.checkpoint.size).toBe(0);
    expect(opened.checkpoint.extensions).toEqual(['ext one']);
    expect(codeOf(() => openCheckpoint(note, [verifierFromKey(vkey)], 'other.example'))).toBe('CHECKPOINT_ORIGIN_MISMATCH');
  });
  it('rejects malformed checkpoints', () => {
    const root = toBase64(EMPTY_ROOT);
    for (const bad of [
      `o\n1\n${root}`, `o\n1\n`, `\n1\n${root}\n`, `o\n01\n${root}\n`, `o\n-1\n${root}\n`, `o\n1.0\n${root}\n`, `o\n 1\n${root}\n`,
      `o\n99999999999999999\n${root}\n`, `o\n1\n${root.slice(0, -1)}\n`, `o\n1\nAAAA\n`, `o\n1\n${root}\n\n`, `o\n1\n${root}\next\n\n`,
    ]) expect(codeOf(() => parseCheckpoint(bad)), JSON.stringify(bad)).toBe('BAD_CHECKPOINT');
    expect(codeOf(() => formatCheckpoint({ origin: 'a\nb', size: 1, root: EMPTY_ROOT, extensions: [] }))).toBe('BAD_CHECKPOINT');
    expect(codeOf(() => formatCheckpoint({ origin: 'a', size: -1, root: EMPTY_ROOT, extensions: [] }))).toBe('BAD_CHECKPOINT');
  });
});

describe('cosignatures', () => {
  const c = vectors.checkpointWithCosignature;
  it('builds the cosigned message of the spec example and reads its timestamp', () => {
    const { text, signatures } = parseNote(c.note);
    expect(new TextDecoder().decode(cosignatureMessage(text, c.cosignatureTimestamp))).toBe(c.cosignedMessage);
    const witnessSig = signatures.find((s) => s.name === 'witness.example.com/w1');
    expect(witnessSig && cosignatureTimestamp(witnessSig.signature)).toBe(c.cosignatureTimestamp);
  });
  it('cosigns and verifies with generated keys and an injected clock', () => {
    const log = generateKey('log.example');
    const w = generateCosignerKey('witness.example/w1');
    expect(cosignerVerifierKey(w.skey)).toBe(w.vkey);
    const text = formatCheckpoint({ origin: 'log.example', size: 5, root: EMPTY_ROOT, extensions: [] });
    const note = signNote(text, signerFromKey(log.skey), cosignerFromKey(w.skey, { now: () => 1679315147 }));
    const opened = openNote(note, [verifierFromKey(log.vkey), cosignatureVerifier(w.vkey)]);
    expect(opened.verified.map((s) => s.name)).toEqual(['log.example', 'witness.example/w1']);
    const sig = opened.verified[1]!.signature;
    expect(sig.byteLength).toBe(72);
    expect(cosignatureTimestamp(sig)).toBe(1679315147);
    // The cosignature alone, and a cosignature over a different checkpoint.
    expect(openNote(note, [cosignatureVerifier(w.vkey)]).verified.length).toBe(1);
    const other = formatCheckpoint({ origin: 'log.example', size: 6, root: EMPTY_ROOT, extensions: [] });
    const forged = `${other}\n${note.split('\n').filter((l) => l.startsWith('— witness')).join('\n')}\n`;
    expect(codeOf(() => openNote(forged, [cosignatureVerifier(w.vkey)]))).toBe('BAD_SIGNATURE');
  });
  it('an Ed25519 log key used as a cosigner gets the 0x04 key ID, distinct from its note key ID', () => {
    const k = generateKey('dual.example');
    const cos = cosignerFromKey(k.skey, { now: () => 1 });
    expect(keyIdHex(cos.keyId)).not.toBe(keyIdHex(verifierFromKey(k.vkey).keyId));
    expect(keyIdHex(cosignatureVerifier(cosignerVerifierKey(k.skey)).keyId)).toBe(keyIdHex(cos.keyId));
  });
  it('rejects malformed cosignatures', () => {
    expect(codeOf(() => cosignatureTimestamp(new Uint8Array(71)))).toBe('BAD_COSIGNATURE');
    expect(codeOf(() => cosignatureTimestamp(new Uint8Array(72).fill(0xff)))).toBe('BAD_COSIGNATURE');
    const w = generateCosignerKey('w.example');
    expect(cosignatureVerifier(w.vkey).verify(new Uint8Array(1), new Uint8Array(72))).toBe(false);
    expect(cosignatureVerifier(w.vkey).verify(new Uint8Array(1), new Uint8Array(10))).toBe(false);
  });
});
