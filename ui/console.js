// The reviewers' console (docs/console.md): plain ES module, no framework. The
// reviewer key is loaded from a file into this page's memory only; sign-in,
// reviews and proof checks happen here (crypto.js), the server only answers.
import { Decrypter } from 'age-encryption';
import { fromBase64, loadReviewerKey, reviewId, signStatement, verifyCheckpoint, verifyInclusion } from './crypto.js';

const REVIEW_DOMAIN = 'ilog-review/v1';
const $ = (sel) => document.querySelector(sel);
const state = { me: null, key: null, identity: null, csrf: null, vkey: null, origin: null, current: null };

function status(text, bad = false) {
  const el = $('#status');
  el.textContent = text;
  el.className = bad ? 'bad' : '';
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-ilog-csrf'] = state.csrf ?? '';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(json.error ? `${json.error.code}: ${json.error.message}` : `HTTP ${res.status}`), { code: json.error?.code });
  return json;
}

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.append(td);
  return td;
}

/** Empties a <dl> and returns a function that appends one term and its value. */
function factList(dl) {
  dl.replaceChildren();
  return (k, v) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dd.dataset.fact = k;
    dl.append(dt, dd);
  };
}

function show(view) {
  for (const id of ['queue', 'detail', 'lookup', 'timeline', 'health']) $(`#${id}`).hidden = id !== view;
}

function age(time) {
  const s = Math.max(0, (Date.now() - Date.parse(time)) / 1000);
  return s < 3600 ? `${Math.round(s / 60)} min` : s < 86400 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} d`;
}

async function signIn(file) {
  const loaded = await loadReviewerKey(await file.text());
  const ch = await api('/ui/api/login/challenge');
  const sig = await signStatement(loaded.key, ch.domain, ch.origin, ch.nonce);
  const me = await api('/ui/api/login', { method: 'POST', body: { reviewer: loaded.reviewer, nonce: ch.nonce, sig } });
  Object.assign(state, { me: me.reviewer, key: loaded.key, identity: loaded.identity, csrf: me.csrf, vkey: me.vkey, origin: ch.origin });
  $('#signin').hidden = true;
  $('#nav').hidden = false;
  $('#signout').hidden = false;
  $('#whoami').textContent = `Signed in as ${me.reviewer}`;
  status('');
  await loadQueue();
}

async function loadQueue() {
  const q = new URLSearchParams();
  for (const el of $('#filters').elements) {
    // datetime-local is local time without a zone: send it as UTC.
    if (el.name && el.value) q.set(el.name, el.type === 'datetime-local' ? new Date(el.value).toISOString() : el.value);
  }
  const { alerts, total } = await api(`/ui/api/v1/alerts?${q}`);
  const body = $('#alerts tbody');
  body.replaceChildren();
  for (const a of alerts) {
    const tr = document.createElement('tr');
    tr.dataset.alert = String(a.id);
    cell(tr, String(a.id));
    cell(tr, a.severity, `sev-${a.severity}`);
    cell(tr, String(a.score));
    cell(tr, a.rule);
    cell(tr, a.subject);
    cell(tr, (a.reasons ?? []).join('; '));
    cell(tr, a.state);
    cell(tr, age(a.time));
    const open = document.createElement('button');
    open.type = 'button';
    open.textContent = `Open alert ${a.id}`;
    open.addEventListener('click', () => openAlert(a.id).catch((e) => status(e.message, true)));
    cell(tr, '').append(open);
    body.append(tr);
  }
  $('#alerts caption').textContent = `Alerts routed to you (never about you): ${total}`;
  show('queue');
}

async function openAlert(id) {
  const { alert: a } = await api(`/ui/api/v1/alerts/${id}`);
  state.current = a;
  $('#detail-h').textContent = `Alert ${a.id}: ${a.rule} about ${a.subject}`;
  const fact = factList($('#detail-facts'));
  fact('state', a.state);
  fact('severity', `${a.severity} (score ${a.score})`);
  fact('reasons', (a.reasons ?? []).join('; '));
  fact('raised', `${a.time} (${age(a.time)} ago)`);
  fact('routed to', `${a.group}: ${(a.recipients ?? []).join(', ')}`);
  fact('closes needed', `${a.closes.length} of ${a.closesNeeded}`);
  const hist = $('#history');
  hist.replaceChildren();
  for (const [what, list] of [['acknowledged', a.acks], ['commented', a.comments], ['closed', a.closes]]) {
    for (const x of list) {
      const li = document.createElement('li');
      li.textContent = `${x.time} ${x.by} ${what}${x.text || x.note || x.resolution ? `: ${x.text ?? x.note ?? x.resolution}` : ''}`;
      hist.append(li);
    }
  }
  show('detail');
  $('#detail-h').focus();
  await showEvidence(id);
}

/**
 * Checks proven entries from the server ({checkpoint, logVkey, entries, pending}) here:
 * the checkpoint's signature, then each entry's inclusion proof. Says so in `cpEl`;
 * returns a function that appends an entry's proof status to a table row.
 */
async function checkProofs(p, cpEl) {
  let cp;
  try {
    if (!p.checkpoint) throw new Error('the log has no published checkpoint yet');
    cp = await verifyCheckpoint(p.checkpoint, p.logVkey);
    if (cp.origin !== state.origin) throw new Error(`the checkpoint is for ${cp.origin}, not ${state.origin}`);
    cpEl.textContent = `Checkpoint of size ${cp.size} verified against the log key ${p.logVkey}`;
    cpEl.className = 'ok';
  } catch (e) {
    cpEl.textContent = `Checkpoint NOT verified: ${e.message}`;
    cpEl.className = 'bad';
  }
  if (p.pending.length) cpEl.textContent += `; not yet in a checkpoint: ${p.pending.join(', ')}`;
  const byIndex = new Map(p.entries.map((e) => [e.index, e]));
  return async (tr, index) => {
    const e = byIndex.get(index);
    if (!e) return cell(tr, 'pending (no checkpoint yet)', 'proof');
    const ok = cp !== undefined && (await verifyInclusion(new TextEncoder().encode(e.entry), e.index, cp.size, e.proof.map(fromBase64), cp.root));
    return cell(tr, ok ? `verified (${e.proof.length} hashes to the root of ${cp.size})` : 'NOT verified', ok ? 'ok proof' : 'bad proof');
  };
}

/** Fills `body` with the proven entries, each with its proof status. */
async function provenRows(p, cpEl, body) {
  const mark = await checkProofs(p, cpEl);
  body.replaceChildren();
  for (const e of p.entries) {
    const tr = document.createElement('tr');
    tr.dataset.entry = String(e.index);
    cell(tr, String(e.index));
    const pre = document.createElement('pre');
    pre.textContent = e.entry;
    cell(tr, '').append(pre);
    await mark(tr, e.index);
    body.append(tr);
  }
}

async function showEvidence(id) {
  const ev = await api(`/ui/api/alerts/${id}/evidence`);
  await provenRows(ev, $('#checkpoint-status'), $('#evidence tbody'));
  await openSealed(ev.entries.find((e) => e.index === id));
}

/**
 * Opens the alert's sealed body (age, src/alert/seal.ts) here with the reviewer's own
 * identity, and says whether it agrees with what the server showed.
 */
async function openSealed(raised) {
  const el = $('#sealed-status');
  const e = raised ? JSON.parse(raised.entry) : {};
  if (typeof e.sealed !== 'string') {
    el.textContent = 'This alert has no sealed body.';
    return;
  }
  try {
    const d = new Decrypter();
    d.addIdentity(state.identity);
    const padded = await d.decrypt(fromBase64(e.sealed));
    const body = JSON.parse(new TextDecoder().decode(padded.subarray(0, padded.indexOf(0x0a))));
    const a = state.current;
    const same = body.subject === a.subject && body.rule === a.rule && JSON.stringify(body.reasons) === JSON.stringify(a.reasons.slice(0, body.reasons.length));
    el.textContent = same ? `Sealed body opened in this page with your key: ${body.rule} about ${body.subject}; it matches what the server shows.` : 'Sealed body opened with your key DIFFERS from what the server shows.';
    el.className = same ? 'ok' : 'bad';
  } catch (err) {
    el.textContent = `Sealed body not opened with your key (${err.message}); shown as the server opened it.`;
    el.className = 'bad';
  }
}

/** Signs a review as src/alert/review.ts does and posts it to the review API. */
async function review(kind, fields, path) {
  const a = state.current;
  const time = new Date().toISOString();
  const entry = { kind, time, ...fields, by: state.me, ...(kind === 'alert.suppressed' ? {} : { alert: a.id }) };
  const sig = await signStatement(state.key, REVIEW_DOMAIN, state.origin, await reviewId(entry));
  const { kind: _k, by: _b, alert: _a, match, ...rest } = entry;
  const body = { ...rest, ...(match ?? {}), signature: { signer: state.vkey, sig } };
  return api(path, { method: 'POST', body });
}

async function act(which) {
  const a = state.current;
  const text = $('#review-text').value.trim();
  const base = `/ui/api/v1/alerts/${a.id}`;
  if (which === 'back') return loadQueue();
  if (which === 'ack') await review('alert.ack', text ? { note: text } : {}, `${base}/ack`);
  if (which === 'comment') {
    if (!text) throw new Error('write the comment first');
    await review('alert.comment', { text }, `${base}/comment`);
  }
  if (which === 'close') await review('alert.closed', text ? { resolution: text } : {}, `${base}/close`);
  if (which === 'suppress') {
    if (!text) throw new Error('write the reason for the suppression first');
    const until = new Date(Date.now() + 3600_000).toISOString();
    await review('alert.suppressed', { until, reason: text, match: { subject: a.subject, rule: a.rule } }, '/ui/api/v1/alerts/suppressions');
  }
  $('#review-text').value = '';
  status(`${which} signed and recorded`);
  await openAlert(a.id);
}

async function lookup() {
  const { accesses, tag, proofs } = await api('/ui/api/lookup', { method: 'POST', body: { value: $('#lookup-value').value, purpose: $('#lookup-purpose').value } });
  const mark = await checkProofs(proofs, $('#lookup-checkpoint'));
  const body = $('#lookup-results tbody');
  body.replaceChildren();
  for (const x of accesses) {
    const tr = document.createElement('tr');
    tr.dataset.entry = String(x.index);
    for (const v of [x.index, x.time, x.person, x.source, x.action, x.purpose ?? '']) cell(tr, String(v));
    // The row shows the server's reading of the entry; the proof is over the entry's exact bytes.
    const e = proofs.entries.find((p) => p.index === x.index);
    if (e && JSON.parse(e.entry).person !== x.person) cell(tr, 'NOT the proven entry', 'bad proof');
    else await mark(tr, x.index);
    body.append(tr);
  }
  status(`${accesses.length} access(es) to the record with tag ${tag.slice(0, 16)}…; this look-up is logged`);
}

async function health() {
  const h = await api('/ui/api/health');
  const fact = factList($('#health-facts'));
  fact('published checkpoint', h.checkpoint ? `${h.checkpoint.origin} @ ${h.checkpoint.size}` : 'none yet');
  fact('signed by', h.checkpoint ? h.checkpoint.signers.join(', ') : '—');
  fact('entries sequenced / integrated', `${h.sequenced} / ${h.integrated}`);
  fact('detector', h.detector ? `at ${h.detector.position} of ${h.detector.logSize}, ${h.detector.lagEntries} entries behind` : 'not running here');
  const w = h.witnesses;
  fact('witness policy', w ? `${w.policyMet ? 'met' : 'NOT met'}: published ${w.publishedSize ?? 'nothing'} of ${w.latestSize ?? '—'}` : 'none: checkpoints are not witnessed');
  for (const x of w?.witnesses ?? []) {
    fact(`witness ${x.name}`, `${x.cosigned ? 'cosigned the newest checkpoint' : 'has NOT cosigned the newest checkpoint'}; last cosigned size ${x.size ?? '—'}${x.lastError ? `; error: ${x.lastError}` : ''}`);
  }
  fact('read tokens (mirrors, auditors)', h.readers === null ? '—' : h.readers.join(', ') || 'none');
  const audit = h.index.audit;
  fact('log last verified', audit ? `${audit.time}: ${audit.size} entries re-hashed and proven into the signed tree; ${audit.ok ? 'the console index agreed' : `the console index differed and was rebuilt (${audit.reason})`}` : 'not yet since the server started');
  fact('console index', `${h.index.size} entries${h.index.rebuilt ? `; rebuilt ${h.index.rebuilt.time} (${h.index.rebuilt.reason})` : ''}`);
  const r = h.reconciliation;
  fact('reconciliation', r === null ? 'no pgAudit reconciler here' : r.error ?? `cursor saved ${r.secondsSinceCursor} s ago; ${r.entriesSince} log entries since`);
  show('health');
}

/** One chart as a table of labelled <meter> bars (accessible, no inline styles under the CSP). */
function chart(title, rows) {
  const table = document.createElement('table');
  table.className = 'chart';
  const cap = document.createElement('caption');
  cap.textContent = title;
  table.append(cap);
  const max = Math.max(1, ...rows.map((r) => r[1]));
  for (const [label, n] of rows) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = label;
    const bar = document.createElement('meter');
    bar.min = 0;
    bar.max = max;
    bar.value = n;
    bar.setAttribute('aria-label', `${label}: ${n}`);
    tr.append(th);
    cell(tr, '').append(bar);
    cell(tr, String(n));
    table.append(tr);
  }
  return table;
}

async function timeline() {
  const person = $('#timeline-person').value.trim();
  const purpose = $('#timeline-purpose').value.trim();
  const t = await api(`/ui/api/person/${encodeURIComponent(person)}/timeline${purpose ? `?purpose=${encodeURIComponent(purpose)}` : ''}`);
  $('#timeline-total').textContent = `${t.total} access(es) by ${t.person}`;
  $('#timeline-charts').replaceChildren(
    chart('Accesses per day', t.days),
    chart('Accesses per hour of the day (UTC)', t.hours.map((n, h) => [`${String(h).padStart(2, '0')}:00`, n])),
    chart('Tables and resources', t.tables),
    chart('Purposes', t.purposes),
    chart('Risk over time (alerts you may see: score)', t.risk.map((a) => [`${a.time.slice(0, 16)} #${a.id} ${a.rule} (${a.severity})`, a.score])),
  );
  await provenRows(t.recent, $('#timeline-checkpoint'), $('#timeline-recent tbody'));
}

/** The subject access report for the record (signed by the log, with proofs), saved as a file. */
async function downloadReport(format) {
  const form = $('#lookup-form');
  if (!form.reportValidity()) return;
  const res = await fetch('/ui/api/report', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ilog-csrf': state.csrf },
    body: JSON.stringify({ value: $('#lookup-value').value, purpose: $('#lookup-purpose').value, format }),
  });
  if (!res.ok) throw new Error(`report refused: HTTP ${res.status}`);
  const blob = new Blob([await res.text()], { type: format === 'json' ? 'application/json' : 'text/html' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `access-report.${format}`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  status(`access report (${format}) downloaded; check it with: ilog report verify access-report.${format}`);
}

const guard = (fn) => (ev) => {
  ev?.preventDefault?.();
  fn(ev).catch((e) => {
    status(e.message, true);
    if (e.code === 'UNAUTHORIZED') location.reload();
  });
};

$('#signin-form').addEventListener('submit', guard(async () => signIn($('#keyfile').files[0])));
$('#filters').addEventListener('submit', guard(loadQueue));
$('#lookup-form').addEventListener('submit', guard(lookup));
$('#timeline-form').addEventListener('submit', guard(timeline));
for (const b of document.querySelectorAll('[data-report]')) b.addEventListener('click', guard(async () => downloadReport(b.dataset.report)));
for (const b of document.querySelectorAll('#review-form button')) b.addEventListener('click', guard(async () => act(b.dataset.act)));
for (const b of document.querySelectorAll('#nav button')) {
  const open = { queue: loadQueue, health };
  b.addEventListener('click', guard(async () => (open[b.dataset.view] ? open[b.dataset.view]() : show(b.dataset.view))));
}
$('#signout').addEventListener('click', guard(async () => {
  await api('/ui/api/logout', { method: 'POST' });
  location.reload();
}));
