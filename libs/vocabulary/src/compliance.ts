import type { ObjectRef } from './object-ref';

/**
 * Where a cluster stands with a policy on its live objects: `Compliant`, `NonCompliant` (some
 * object violates it) or `Unknown` (its agent is not connected, or has not judged this version yet).
 */
export const complianceStates = ['Compliant', 'NonCompliant', 'Unknown'] as const;
export type ComplianceState = (typeof complianceStates)[number];

/** One rule an object fails: which, where in the object, and the message naming both. */
export interface ComplianceViolation {
  rule: string;
  fieldPath: string;
  message: string;
}

/** A live object's verdict under one version of a policy: compliant, or not with the rules it fails. */
export interface ComplianceVerdict {
  policy: string;
  policyVersion: number;
  object: ObjectRef;
  compliant: boolean;
  violations: ComplianceViolation[];
}
