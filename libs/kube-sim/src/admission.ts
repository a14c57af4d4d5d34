/**
 * Validating admission policy: the ValidatingAdmissionPolicies and their bindings stored in the
 * cluster judge every create and update of the objects they match, as the API server does — a
 * binding whose validationActions include Deny refuses a violating write. The CEL is evaluated by
 * libs/policy, the evaluator Capstan's hub and agents use.
 */
import { type AdmissionObject, type CompiledPolicy, compilePolicy, evaluate, type KubeObject, policyFromValidatingAdmissionPolicy, PolicyError } from '@capstan/policy';
import { invalid, StatusError } from './errors';
import type { JsonObject } from './json';
import { metadataOf, nameOf } from './object-meta';
import type { ObjectStore } from './storage';

const policies = 'validatingadmissionpolicies.admissionregistration.k8s.io';
const bindings = 'validatingadmissionpolicybindings.admissionregistration.k8s.io';

/** HTTP codes of the status reasons a validation may give, as the API server maps them; others are 422 Invalid. */
const reasonCodes: Record<string, number> = { Unauthorized: 401, Forbidden: 403, RequestEntityTooLarge: 413, Invalid: 422 };

interface BoundPolicy {
  policyName: string;
  bindingName: string;
  compiled: CompiledPolicy;
}

export class ValidatingAdmission {
  /** Compiled policies by the resource versions of the policy and binding they came from. */
  private readonly compiled = new Map<string, BoundPolicy | null>();

  constructor(private readonly store: ObjectStore) {}

  /**
   * Refuses `object` (about to be created or updated; `resource` names its kind for the message,
   * e.g. `deployments.apps`) when a Deny binding's policy finds it violating. The policies
   * themselves and their bindings are not judged.
   */
  admit(resource: string, object: JsonObject): void {
    if (resource === policies || resource === bindings) return;
    const denying = this.denyingPolicies();
    if (denying.length === 0) return;
    const namespaceName = metadataOf(object).namespace;
    const namespace = typeof namespaceName === 'string' && namespaceName ? this.store.get('namespaces', '', namespaceName) : undefined;
    for (const bound of denying) {
      const [violation] = evaluate(bound.compiled, { objects: [object as KubeObject], cluster: { name: '', labels: {}, groups: [] }, namespaces: namespace ? [namespace as KubeObject] : [], now: Date.now() });
      if (!violation) continue;
      const reason = violation.reason && violation.reason in reasonCodes ? violation.reason : 'Invalid';
      const denial = `ValidatingAdmissionPolicy '${bound.policyName}' with binding '${bound.bindingName}' denied request: ${violation.detail}`;
      const [plural, ...group] = resource.split('.');
      // As the API server words it: an Invalid denial is one cause with no field, which kubectl prints as `is invalid: : …`.
      if (reason === 'Invalid') throw invalid({ group: group.join('.'), kind: plural, name: nameOf(object) }, [{ message: denial, field: '' }]);
      throw new StatusError(reasonCodes[reason], reason as StatusError['reason'], denial, { name: nameOf(object), kind: plural });
    }
  }

  /** The policies of bindings with Deny among their validationActions; a pair that cannot be converted or compiled judges nothing. */
  private denyingPolicies(): BoundPolicy[] {
    const bound: BoundPolicy[] = [];
    for (const binding of this.store.list(bindings)) {
      const spec = (binding.spec ?? {}) as { policyName?: string; validationActions?: string[] };
      if (!spec.validationActions?.includes('Deny') || !spec.policyName) continue;
      const policy = this.store.get(policies, '', spec.policyName);
      if (!policy) continue;
      const key = `${nameOf(binding)}@${String(metadataOf(binding).resourceVersion)}|${spec.policyName}@${String(metadataOf(policy).resourceVersion)}`;
      if (!this.compiled.has(key)) this.compiled.set(key, compiledPair(policy, binding));
      const pair = this.compiled.get(key);
      if (pair) bound.push(pair);
    }
    return bound;
  }
}

function compiledPair(policy: JsonObject, binding: JsonObject): BoundPolicy | null {
  try {
    const { scope, ...converted } = policyFromValidatingAdmissionPolicy(policy as unknown as AdmissionObject, binding as unknown as AdmissionObject);
    // Which clusters a Capstan policy is for (kept in its annotation) is the hub's business: the API server judges every request.
    const { groups: _groups, clusterSelector: _clusterSelector, ...inCluster } = scope;
    return { policyName: nameOf(policy), bindingName: nameOf(binding), compiled: compilePolicy({ ...converted, scope: inCluster }) };
  } catch (error) {
    // The API server reports a policy it cannot use in its status and admits as its failurePolicy says; here it judges nothing.
    if (error instanceof PolicyError) return null;
    throw error;
  }
}
