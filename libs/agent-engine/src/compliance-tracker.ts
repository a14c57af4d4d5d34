import { formatIdentity } from '@capstan/manifest';
import type { ComplianceVerdict, ObjectRef } from '@capstan/vocabulary';

/** A live object as a map key: versions of one kind are the same object. */
export function liveObjectKey(object: ObjectRef): string {
  return `${object.group}|${formatIdentity(object)}`;
}

/** What makes two verdicts on one object the same: an unchanged verdict is not told again. */
const signatureOf = (verdict: ComplianceVerdict) => JSON.stringify([verdict.policyVersion, verdict.violations.map((violation) => [violation.rule, violation.fieldPath, violation.message])]);

/**
 * The last verdict per (policy, live object), turning each new verdict into a transition only
 * when it differs from the last: an object became non-compliant, its violations changed, or it
 * became compliant (or went). Only non-compliant verdicts are kept: an object never judged
 * otherwise is compliant, so memory grows with violations, not with the cluster.
 */
export class ComplianceTracker {
  private readonly nonCompliantByPolicy = new Map<string, Map<string, ComplianceVerdict>>();

  /** Takes in a verdict; returns it when it is a transition, else null. */
  judge(verdict: ComplianceVerdict): ComplianceVerdict | null {
    const key = liveObjectKey(verdict.object);
    let nonCompliant = this.nonCompliantByPolicy.get(verdict.policy);
    const last = nonCompliant?.get(key);
    if (verdict.compliant) {
      if (!last) return null;
      nonCompliant?.delete(key);
      return verdict;
    }
    if (last && signatureOf(last) === signatureOf(verdict)) return null;
    if (!nonCompliant) {
      nonCompliant = new Map();
      this.nonCompliantByPolicy.set(verdict.policy, nonCompliant);
    }
    nonCompliant.set(key, verdict);
    return verdict;
  }

  /** Every object of the policy whose last verdict is non-compliant. */
  nonCompliant(policy: string): ComplianceVerdict[] {
    return [...(this.nonCompliantByPolicy.get(policy)?.values() ?? [])];
  }

  /** Forgets a policy's verdicts: it is no longer in force, or is judged again from scratch at a new version. */
  forget(policy: string): void {
    this.nonCompliantByPolicy.delete(policy);
  }
}
