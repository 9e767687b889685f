// Break-glass announcements through the alert area's Notifier
// (src/alert/notifier.ts): every grant becomes an ordinary high-severity alert
// about the person, routed to reviewers other than that person, delivered and
// acknowledged like any other. Pass the result as `notify` to startGovernance.
import type { Notifier } from '../alert/notifier.js';
import type { BreakglassNotice } from '../governance/loop.js';

export function breakglassNotifier(notifier: Notifier, origin: string): (n: BreakglassNotice) => Promise<void> {
  return async (n) => {
    await notifier.notify({
      // One alert per grant, however often the loop restarts.
      id: `breakglass:${origin}:${n.grant.index}`,
      kind: 'breakglass',
      subject: n.grant.person,
      severity: 'high',
      reasons: [n.text, `every admin must know: ${n.admins.join(', ')}`],
      entries: [n.grant.index],
    });
  };
}
