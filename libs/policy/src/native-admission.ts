/*
 * What a cluster's own admission enforces of a policy: the CEL rules of a policy in enforce mode
 * as ValidatingAdmissionPolicies bound with Deny, so a write made behind Capstan's back that
 * violates them is refused at the door. The API server can judge only what it can express, so
 * wherever Capstan and Kubernetes would differ these objects refuse less, never more:
 * - an exemption that expires stays in until it has expired (CEL at admission has no clock), and
 *   `redeliverAt` says when to deliver the objects again without it;
 * - only creates and updates are judged, as Capstan judges manifests being applied;
 * - built-in rules are not CEL and are judged by Capstan only.
 * The agent's own namespace is never judged there: refusing its own state (inventories, the
 * desired-state cache) would stop Capstan itself.
 */
import type { Policy } from './types';
import { type AdmissionObject, validatingAdmissionPairsFor } from './vap';

/** The label every native object Capstan delivers carries (with the value `capstan`). */
export const managedByLabel = 'app.kubernetes.io/managed-by';
/** The name of the policy a native object enforces. */
export const policyNameAnnotation = 'capstan.io/policy';
/** The version of the policy a native object enforces. */
export const policyVersionAnnotation = 'capstan.io/policy-version';
/** Put before `<policy>-<rule>` in the names of the native objects. */
export const nativeNamePrefix = 'capstan-';

/** The native objects that enforce a policy in a cluster's admission. */
export interface NativeAdmission {
  /** A ValidatingAdmissionPolicy and its binding per CEL rule; none unless the policy is in enforce mode. */
  objects: AdmissionObject[];
  /** When (ms) the first exemption delivered expires: the objects are to be delivered again then, without it. */
  redeliverAt?: number;
}

/** What the native objects are for. */
export interface NativeAdmissionOptions {
  /** The time (ms) exemptions' expiry is judged at. */
  now: number;
  /** The namespace of the cluster's agent, left to it. */
  agentNamespace?: string;
}

const judgedOperations = ['CREATE', 'UPDATE'];

/** Narrows a resource rule's operations to those Capstan judges: a rule judging deletes natively would refuse what Capstan lets through. */
function judgedOnly(resourceRule: Record<string, unknown>): Record<string, unknown> {
  const operations = resourceRule.operations as string[];
  return { ...resourceRule, operations: operations.includes('*') ? judgedOperations : operations.filter((operation) => judgedOperations.includes(operation)) };
}

/**
 * The ValidatingAdmissionPolicies (bound with Deny) that enforce the CEL rules of a policy in
 * enforce mode at `options.now`, named `capstan-<policy>-<rule>` and labelled as Capstan's. A rule whose
 * resource rules judge neither creates nor updates has none. Throws the PolicyError of
 * `validatingAdmissionPoliciesFor` for a rule that cannot be delivered (params, its name).
 */
export function nativeAdmissionFor(policy: Policy, options: NativeAdmissionOptions): NativeAdmission {
  const { now, agentNamespace } = options;
  if (policy.mode !== 'enforce') return { objects: [] };
  const agentExempt = agentNamespace === undefined ? [] : [{ namespaces: [agentNamespace], reason: "the Capstan agent's own namespace" }];
  const objects: AdmissionObject[] = [];
  for (const [vap, binding] of validatingAdmissionPairsFor({ ...policy, exemptions: [...policy.exemptions, ...agentExempt] }, { now, namePrefix: nativeNamePrefix })) {
    const constraints = vap.spec.matchConstraints as { resourceRules: Array<Record<string, unknown>> };
    const resourceRules = constraints.resourceRules.map(judgedOnly).filter((resourceRule) => (resourceRule.operations as string[]).length > 0);
    if (resourceRules.length === 0) continue;
    objects.push(labelled({ ...vap, spec: { ...vap.spec, matchConstraints: { ...constraints, resourceRules } } }, policy), labelled(binding, policy));
  }
  const expiries = policy.exemptions.flatMap((exemption) => (exemption.expiresAt === undefined ? [] : [Date.parse(exemption.expiresAt)])).filter((expiry) => expiry > now);
  return { objects, ...(objects.length > 0 && expiries.length > 0 ? { redeliverAt: Math.min(...expiries) } : {}) };
}

function labelled(object: AdmissionObject, policy: Policy): AdmissionObject {
  const annotations = { ...object.metadata.annotations, [policyNameAnnotation]: policy.name, ...(policy.version === undefined ? {} : { [policyVersionAnnotation]: String(policy.version) }) };
  return { ...object, metadata: { ...object.metadata, labels: { ...object.metadata.labels, [managedByLabel]: 'capstan' }, annotations } };
}

/** Whether a live ValidatingAdmissionPolicy or binding is one Capstan delivered for a policy (not one an application of the cluster brought). */
export function isNativeAdmissionObject(object: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } }): boolean {
  return object.metadata?.labels?.[managedByLabel] === 'capstan' && object.metadata.annotations?.[policyNameAnnotation] !== undefined;
}
