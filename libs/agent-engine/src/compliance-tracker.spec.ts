import type { ComplianceVerdict, ComplianceViolation } from '@capstan/vocabulary';
import { ComplianceTracker } from './compliance-tracker';

const escalation: ComplianceViolation = { rule: 'allow-privilege-escalation', fieldPath: 'spec.containers[0].securityContext.allowPrivilegeEscalation', message: 'Pod/shop/debug: must set allowPrivilegeEscalation to false' };
const privileged: ComplianceViolation = { rule: 'privileged-container', fieldPath: 'spec.containers[0].securityContext.privileged', message: 'Pod/shop/debug: must not run privileged' };

/** A verdict on Pod/shop/<name> under `baseline` at `version`: compliant without violations. */
const verdict = (name: string, violations: ComplianceViolation[], version = 1, policy = 'baseline'): ComplianceVerdict => ({
  policy,
  policyVersion: version,
  object: { group: '', version: 'v1', kind: 'Pod', namespace: 'shop', name },
  compliant: violations.length === 0,
  violations,
});

describe('ComplianceTracker', () => {
  it.each<[string, ComplianceVerdict[], Array<ComplianceVerdict | null>]>([
    ['a compliant object never judged otherwise is no transition', [verdict('web', [])], [null]],
    ['an object found violating is a transition', [verdict('debug', [escalation])], [verdict('debug', [escalation])]],
    ['the same violations again are none', [verdict('debug', [escalation]), verdict('debug', [escalation])], [verdict('debug', [escalation]), null]],
    ['other violations are one, still non-compliant', [verdict('debug', [escalation]), verdict('debug', [escalation, privileged])], [verdict('debug', [escalation]), verdict('debug', [escalation, privileged])]],
    ['fixed, it becomes compliant, once', [verdict('debug', [escalation]), verdict('debug', []), verdict('debug', [])], [verdict('debug', [escalation]), verdict('debug', []), null]],
    ['violating again after a fix is a transition again', [verdict('debug', [escalation]), verdict('debug', []), verdict('debug', [escalation])], [verdict('debug', [escalation]), verdict('debug', []), verdict('debug', [escalation])]],
    ['the same violations under a new version are one', [verdict('debug', [escalation]), verdict('debug', [escalation], 2)], [verdict('debug', [escalation]), verdict('debug', [escalation], 2)]],
    ['objects are tracked apart', [verdict('debug', [escalation]), verdict('web', []), verdict('web', [escalation])], [verdict('debug', [escalation]), null, verdict('web', [escalation])]],
    ['policies are tracked apart', [verdict('debug', [escalation]), verdict('debug', [escalation], 1, 'strict')], [verdict('debug', [escalation]), verdict('debug', [escalation], 1, 'strict')]],
  ])('%s', (_title, verdicts, transitions) => {
    const tracker = new ComplianceTracker();
    expect(verdicts.map((next) => tracker.judge(next))).toEqual(transitions);
  });

  it('keeps only the non-compliant objects of each policy', () => {
    const tracker = new ComplianceTracker();
    for (const next of [verdict('debug', [escalation]), verdict('web', [privileged]), verdict('web', []), verdict('api', [escalation], 1, 'strict')]) tracker.judge(next);
    expect(tracker.nonCompliant('baseline')).toEqual([verdict('debug', [escalation])]);
    expect(tracker.nonCompliant('strict')).toEqual([verdict('api', [escalation], 1, 'strict')]);
  });

  it('forgets a policy, whose violating objects are then transitions again', () => {
    const tracker = new ComplianceTracker();
    tracker.judge(verdict('debug', [escalation]));
    tracker.forget('baseline');
    expect(tracker.nonCompliant('baseline')).toEqual([]);
    expect(tracker.judge(verdict('debug', [escalation], 2))).toEqual(verdict('debug', [escalation], 2));
  });
});
