// The alert area's ReviewerKeys (src/alert/review.ts) over the governance
// policy: reviewers' keys exist only as the quorum registered them
// (change `reviewer.key`), so holding the log's write token adds no reviewer.
import type { ReviewerKeys } from '../alert/review.js';
import { reviewerKeyAt, type Policy } from '../governance/policy.js';

/** `policy()` is read on every call: a running view's policy keeps up with the log. */
export function policyReviewerKeys(policy: () => Policy | undefined): ReviewerKeys {
  return {
    at(reviewer, index) {
      const p = policy();
      const k = p && reviewerKeyAt(p, reviewer, index);
      return k && { vkey: k.vkey, recipient: k.recipient };
    },
    current(reviewer) {
      const k = policy()?.reviewers.get(reviewer);
      return k && { vkey: k.vkey, recipient: k.recipient };
    },
  };
}
