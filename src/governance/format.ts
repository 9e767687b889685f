// Human-readable `ilog policy show`: each item with the entry that made it and
// who approved it, so the answer to "who changed what, when" is on screen.
import type { Policy, Provenance } from './policy.js';

function by(p: Provenance): string {
  if (p.index === 0) return 'genesis (entry 0)';
  const who = p.approvers.length ? `by ${p.approvers.join(', ')}` : 'by the server (break-glass expiry)';
  return p.proposal !== undefined ? `entry ${p.index} ${p.time}, proposal ${p.proposal}, ${who}` : `entry ${p.index} ${p.time}, ${who}`;
}

export function formatPolicy(p: Policy): string {
  if (!p.governed) return `log ${p.origin}: not governed (genesis names no admins)`;
  const out: string[] = [`log ${p.origin} — ${p.size} entries replayed`];
  out.push(`admins (quorum ${p.quorum} of ${p.admins.length}) — ${by(p.adminsMadeBy)}`);
  for (const a of p.admins) out.push(`  ${a.name}  ${a.vkey}`);
  out.push(`persons (${p.persons.size})`);
  for (const x of [...p.persons.values()].sort((a, b) => a.name.localeCompare(b.name))) out.push(`  ${x.name} → ${x.role} — ${by(x.madeBy)}`);
  out.push(p.purpose ? `purpose: /${p.purpose.value.pattern}/ exempt [${p.purpose.value.exempt.join(', ')}] — ${by(p.purpose.madeBy)}` : 'purpose: (not set)');
  if (p.witnessPolicy) out.push(`witness policy — ${by(p.witnessPolicy.madeBy)}`);
  if (p.logKey && p.logKey.madeBy.index !== 0) out.push(`log key ${p.logKey.value} — ${by(p.logKey.madeBy)}`);
  if (p.alertRouting) out.push(`alert routing — ${by(p.alertRouting.madeBy)}`);
  for (const r of p.reviewers.values()) out.push(`reviewer ${r.reviewer} ${r.vkey} — ${by(r.madeBy)}`);
  for (const [store, m] of p.storageMigrations) out.push(`storage migration ${store} ${m.value.from} → ${m.value.to} — ${by(m.madeBy)}`);
  out.push(p.lockdown ? `LOCKDOWN: ${p.lockdown.reason} — ${by(p.lockdown.madeBy)}` : 'lockdown: none');
  for (const l of p.locks.values()) out.push(`locked ${l.person}: ${l.reason} — ${by(l.madeBy)}`);
  for (const g of p.grants.values()) {
    const state = g.expired !== undefined ? `expired → locked (entry ${g.expired})` : g.ratified ? `ratified — ${by(g.ratified)}` : `until ${g.until}`;
    out.push(`break-glass ${g.index} ${g.person}: ${state} — ${g.reason}`);
  }
  const pending = [...p.proposals.values()].filter((x) => x.state === 'pending');
  for (const x of pending) out.push(`pending proposal ${x.id} (entry ${x.index}): ${x.approvals.size} of ${p.quorum}, expires ${x.expires}`);
  if (p.rejections.size) out.push(`refused attempts (${p.rejections.size}):`);
  for (const r of [...p.rejections.values()].sort((a, b) => a.subject - b.subject)) out.push(`  entry ${r.subject}: ${r.reason} ${r.detail}`);
  return out.join('\n');
}
