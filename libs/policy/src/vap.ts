/*
 * Converting between Capstan policies and Kubernetes ValidatingAdmissionPolicies
 * (admissionregistration.k8s.io/v1), so CEL rules can be delivered to clusters and existing VAPs
 * imported. Kubernetes semantics travel in the spec; what only Capstan knows (the policy's name,
 * description, severity, field paths, exemptions with their expiry) travels in one annotation
 * each on the policy and the binding, so a conversion there and back gives the same policy.
 */
import { type LabelSelector as ParsedSelector, parseLabelSelector } from '@capstan/manifest';
import { isFields } from './objects';
import { PolicyError } from './policy-error';
import type { CelMatchConstraints, CelRule, GroupKind, LabelSelector, Policy, PolicyExemption, PolicyMode, Severity } from './types';

/** A Kubernetes object as the converters read and write them. */
export interface AdmissionObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

export const admissionApiVersion = 'admissionregistration.k8s.io/v1';
/** Capstan's facts about the rule behind a ValidatingAdmissionPolicy (JSON). */
export const ruleAnnotation = 'capstan.io/policy-rule';
/** The policy's exemptions behind a binding (JSON). */
export const exemptionsAnnotation = 'capstan.io/exemptions';
/** The name of the match condition that carries a policy's exemptions. */
export const exemptionsCondition = 'capstan-exemptions';
/** The name of the match condition that keeps cluster-scoped objects out of a scope listing namespaces. */
export const namespacedScopeCondition = 'capstan-namespaced-scope';

const defaultOperations = ['CREATE', 'UPDATE'];

// Resources of the built-in kinds; other kinds are pluralised and the mapping kept in the annotation.
const resourceOfKind: Record<string, string> = {
  Pod: 'pods', Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', ReplicaSet: 'replicasets', Job: 'jobs', CronJob: 'cronjobs',
  ReplicationController: 'replicationcontrollers', Service: 'services', ConfigMap: 'configmaps', Secret: 'secrets', Namespace: 'namespaces',
  NetworkPolicy: 'networkpolicies', Ingress: 'ingresses', IngressClass: 'ingressclasses', ServiceAccount: 'serviceaccounts', Role: 'roles',
  RoleBinding: 'rolebindings', ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', PersistentVolumeClaim: 'persistentvolumeclaims',
  PersistentVolume: 'persistentvolumes', StorageClass: 'storageclasses', HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  PodDisruptionBudget: 'poddisruptionbudgets', Endpoints: 'endpoints', EndpointSlice: 'endpointslices', LimitRange: 'limitranges',
  ResourceQuota: 'resourcequotas', CustomResourceDefinition: 'customresourcedefinitions', PriorityClass: 'priorityclasses', Node: 'nodes', Lease: 'leases',
};
const kindOfResource = Object.fromEntries(Object.entries(resourceOfKind).map(([kind, resource]) => [resource, kind]));

function pluralise(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

interface RuleFacts {
  policy: string;
  rule: string;
  description: string;
  mode: PolicyMode;
  version?: number;
  severity?: Severity;
  failurePolicy?: 'Fail' | 'Ignore';
  fieldPaths?: Array<string | null>;
  /** Resource → kind for kinds the built-in table does not know. */
  kinds?: Record<string, string>;
  /** The rule's own operations when it named none (Kubernetes requires them). */
  operationsDefaulted?: boolean;
  /** Which clusters the policy is for: the hub's business, not the cluster's. */
  clusters?: { groups?: string[]; clusterSelector?: string };
}

// ----- Policy → ValidatingAdmissionPolicy + binding ---------------------------------------------

const celString = (text: string) => JSON.stringify(text);
const celList = (values: readonly string[]) => `[${values.map(celString).join(', ')}]`;

/** A label selector as a CEL condition on `object.metadata.labels`. */
function selectorCondition(selector: ParsedSelector): string {
  const labels = 'object.metadata.labels';
  const has = (key: string) => `(has(object.metadata.labels) && ${celString(key)} in ${labels})`;
  const value = (key: string) => `${labels}[${celString(key)}]`;
  const parts = selector.requirements.map((requirement) => {
    switch (requirement.operator) {
      case 'In':
        return `(${has(requirement.key)} && ${value(requirement.key)} in ${celList(requirement.values)})`;
      case 'NotIn':
        return `!(${has(requirement.key)} && ${value(requirement.key)} in ${celList(requirement.values)})`;
      case 'Exists':
        return has(requirement.key);
      case 'DoesNotExist':
        return `!${has(requirement.key)}`;
      case 'Gt':
      case 'Lt':
        return `(${has(requirement.key)} && ${value(requirement.key)}.matches('^-?[0-9]+$') && int(${value(requirement.key)}) ${requirement.operator === 'Gt' ? '>' : '<'} ${requirement.value})`;
    }
  });
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

/** The CEL condition that holds for objects no exemption covers. */
function exemptionsExpression(exemptions: readonly PolicyExemption[]): string {
  const covered = exemptions.map((exemption) => {
    const parts: string[] = [];
    if (exemption.namespaces) {
      const names = celList(exemption.namespaces);
      // A Namespace counts as in itself, as evaluation has it.
      parts.push(`(request.namespace in ${names} || (request.kind.kind == 'Namespace' && object.metadata.name in ${names}))`);
    }
    if (exemption.objectSelector !== undefined) parts.push(`(${selectorCondition(parseLabelSelector(exemption.objectSelector))})`);
    return parts.join(' && ');
  });
  return `!(${covered.join(' || ')})`;
}

function resourcesFor(kinds: readonly string[], unknownKinds: Record<string, string>): string[] {
  return kinds.map((kind) => {
    if (kind === '*') return '*';
    const resource = resourceOfKind[kind] ?? pluralise(kind);
    if (!resourceOfKind[kind]) unknownKinds[resource] = kind;
    return resource;
  });
}

/** Groups the scope's kinds into resource rules, one per group. */
function scopeResourceRules(kinds: readonly GroupKind[], unknownKinds: Record<string, string>): Array<Record<string, unknown>> {
  const byGroup = new Map<string, string[]>();
  for (const { group, kind } of kinds) byGroup.set(group, [...(byGroup.get(group) ?? []), kind]);
  return [...byGroup].map(([group, groupKinds]) => ({ apiGroups: [group], apiVersions: ['*'], resources: resourcesFor(groupKinds, unknownKinds), operations: ['*'] }));
}

/** How a policy becomes ValidatingAdmissionPolicies. */
export interface ConversionOptions {
  /** Exemptions expired at this time (ms) are left out; without it all are kept. */
  now?: number;
  /** Put before `<policy>-<rule>` in the objects' names. */
  namePrefix?: string;
}

/**
 * The ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding of each CEL rule of a policy,
 * for delivery to clusters (built-in rules have none). Exemptions expired at `now` are left out.
 * A rule with `params` is refused: Kubernetes reads params from a resource, not from the policy.
 */
export function validatingAdmissionPoliciesFor(policy: Policy, options: ConversionOptions = {}): AdmissionObject[] {
  return validatingAdmissionPairsFor(policy, options).flat();
}

/** As `validatingAdmissionPoliciesFor`, each CEL rule's ValidatingAdmissionPolicy with its binding. */
export function validatingAdmissionPairsFor(policy: Policy, options: ConversionOptions = {}): Array<[vap: AdmissionObject, binding: AdmissionObject]> {
  const exemptions = policy.exemptions.filter((exemption) => exemption.expiresAt === undefined || options.now === undefined || Date.parse(exemption.expiresAt) > options.now);
  return policy.rules.flatMap((rule, index): Array<[AdmissionObject, AdmissionObject]> => {
    if (rule.type !== 'cel') return [];
    const fail = (field: string, reason: string): never => {
      throw new PolicyError('Unsupported', policy.name, `rules[${index}]${field}`, reason, rule.name);
    };
    if (rule.params !== undefined) fail('.params', 'params cannot be delivered in a ValidatingAdmissionPolicy (Kubernetes reads them from a resource)');
    const name = `${options.namePrefix ?? ''}${policy.name}-${rule.name}`.toLowerCase();
    if (name.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) fail('.name', `"${name}" is not a valid object name for the ValidatingAdmissionPolicy`);
    const unknownKinds: Record<string, string> = {};
    const constraints = rule.matchConstraints ?? {};
    const resourceRules = (constraints.resourceRules ?? [{ apiGroups: ['*'], kinds: ['*'] }]).map((resourceRule) => ({
      apiGroups: resourceRule.apiGroups,
      apiVersions: ['*'],
      resources: resourcesFor(resourceRule.kinds, unknownKinds),
      operations: resourceRule.operations ?? defaultOperations,
    }));
    const fieldPaths = rule.validations.map((validation) => validation.fieldPath ?? null);
    const facts: RuleFacts = {
      policy: policy.name,
      rule: rule.name,
      description: policy.description,
      mode: policy.mode,
      ...(policy.version === undefined ? {} : { version: policy.version }),
      ...(rule.severity === undefined ? {} : { severity: rule.severity }),
      ...(rule.failurePolicy === undefined ? {} : { failurePolicy: rule.failurePolicy }),
      ...(fieldPaths.some((path) => path !== null) ? { fieldPaths } : {}),
      ...(Object.keys(unknownKinds).length > 0 ? { kinds: unknownKinds } : {}),
      ...((constraints.resourceRules ?? []).some((resourceRule) => resourceRule.operations === undefined) || !constraints.resourceRules ? { operationsDefaulted: true } : {}),
      ...(policy.scope.groups || policy.scope.clusterSelector !== undefined
        ? { clusters: { ...(policy.scope.groups ? { groups: policy.scope.groups } : {}), ...(policy.scope.clusterSelector !== undefined ? { clusterSelector: policy.scope.clusterSelector } : {}) } }
        : {}),
    };
    const matchConditions = [...(rule.matchConditions ?? [])];
    // The binding's namespaceSelector never skips cluster-scoped objects other than Namespaces; Capstan's scope leaves them out.
    if (policy.scope.namespaces) matchConditions.push({ name: namespacedScopeCondition, expression: "request.namespace != '' || request.kind.kind == 'Namespace'" });
    if (exemptions.length > 0) matchConditions.push({ name: exemptionsCondition, expression: exemptionsExpression(exemptions) });
    const vap: AdmissionObject = {
      apiVersion: admissionApiVersion,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: {
        failurePolicy: rule.failurePolicy ?? 'Fail',
        matchConstraints: {
          resourceRules,
          ...(constraints.namespaceSelector ? { namespaceSelector: constraints.namespaceSelector } : {}),
          ...(constraints.objectSelector ? { objectSelector: constraints.objectSelector } : {}),
        },
        ...(matchConditions.length > 0 ? { matchConditions } : {}),
        ...(rule.variables?.length ? { variables: rule.variables } : {}),
        validations: rule.validations.map(({ expression, message, messageExpression, reason }) => ({
          expression,
          ...(message === undefined ? {} : { message }),
          ...(messageExpression === undefined ? {} : { messageExpression }),
          ...(reason === undefined ? {} : { reason }),
        })),
      },
    };
    const matchResources: Record<string, unknown> = {};
    if (policy.scope.namespaces) matchResources.namespaceSelector = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: policy.scope.namespaces }] };
    if (policy.scope.kinds) matchResources.resourceRules = scopeResourceRules(policy.scope.kinds, unknownKinds);
    if (Object.keys(unknownKinds).length > 0) facts.kinds = unknownKinds;
    vap.metadata.annotations = { [ruleAnnotation]: JSON.stringify(facts) };
    const binding: AdmissionObject = {
      apiVersion: admissionApiVersion,
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, ...(exemptions.length > 0 ? { annotations: { [exemptionsAnnotation]: JSON.stringify(exemptions) } } : {}) },
      spec: {
        policyName: name,
        validationActions: [{ enforce: 'Deny', warn: 'Warn', audit: 'Audit' }[policy.mode]],
        ...(Object.keys(matchResources).length > 0 ? { matchResources } : {}),
      },
    };
    return [[vap, binding]];
  });
}

// ----- ValidatingAdmissionPolicy (+ binding) → Policy ---------------------------------------------

function modeOf(actions: unknown): PolicyMode {
  const list = Array.isArray(actions) ? actions : [];
  return list.includes('Deny') ? 'enforce' : list.includes('Warn') ? 'warn' : 'audit';
}

function mergeSelectors(a: LabelSelector | undefined, b: LabelSelector | undefined): LabelSelector | undefined {
  if (!a) return b;
  if (!b) return a;
  return { matchLabels: { ...a.matchLabels, ...b.matchLabels }, matchExpressions: [...(a.matchExpressions ?? []), ...(b.matchExpressions ?? [])] };
}

/**
 * A Policy with one CEL rule from a ValidatingAdmissionPolicy and, when given, its binding: the
 * binding's validationActions give the mode (Deny → enforce, Warn → warn, Audit → audit; audit
 * without a binding). What Capstan cannot represent (params, excluded resources, resource names)
 * throws a PolicyError; apiVersions are not kept (Capstan matches group and kind).
 */
export function policyFromValidatingAdmissionPolicy(vap: AdmissionObject, binding?: AdmissionObject): Policy {
  const name = typeof vap?.metadata?.name === 'string' ? vap.metadata.name : '';
  const fail = (field: string, reason: string): never => {
    throw new PolicyError('Unsupported', name, field, reason);
  };
  if (vap?.kind !== 'ValidatingAdmissionPolicy' || !isFields(vap.spec) || !isFields(vap.metadata)) fail('kind', 'not a ValidatingAdmissionPolicy');
  if (binding !== undefined && (binding?.kind !== 'ValidatingAdmissionPolicyBinding' || !isFields(binding.spec) || !isFields(binding.metadata))) fail('binding', 'not a ValidatingAdmissionPolicyBinding');
  if (binding && binding.spec.policyName !== name) fail('binding.spec.policyName', `the binding is for "${String(binding.spec.policyName)}", not "${name}"`);
  const spec = vap.spec as Record<string, unknown>;
  if (spec.paramKind !== undefined) fail('spec.paramKind', 'params read from a resource are not supported');
  if (binding?.spec.paramRef !== undefined) fail('binding.spec.paramRef', 'params read from a resource are not supported');
  let facts: Partial<RuleFacts> = {};
  const annotation = vap.metadata.annotations?.[ruleAnnotation];
  if (annotation !== undefined) {
    try {
      facts = JSON.parse(annotation) as Partial<RuleFacts>;
    } catch {
      fail(`metadata.annotations['${ruleAnnotation}']`, 'is not JSON');
    }
  }
  const kindOf = (resource: string, field: string): string => {
    if (resource === '*') return '*';
    if (resource.includes('/')) return fail(field, `subresource "${resource}" is not supported`);
    return kindOfResource[resource] ?? facts.kinds?.[resource] ?? fail(field, `resource "${resource}" has no known kind`);
  };
  const constraints = isFields(spec.matchConstraints) ? spec.matchConstraints : {};
  for (const unsupported of ['excludeResourceRules'] as const) if (Array.isArray(constraints[unsupported]) && constraints[unsupported].length > 0) fail(`spec.matchConstraints.${unsupported}`, 'is not supported');
  const rawRules = Array.isArray(constraints.resourceRules) ? (constraints.resourceRules as Array<Record<string, unknown>>) : [];
  let resourceRules: CelMatchConstraints['resourceRules'] = rawRules.map((resourceRule, i) => {
    const field = `spec.matchConstraints.resourceRules[${i}]`;
    if (Array.isArray(resourceRule.resourceNames) && resourceRule.resourceNames.length > 0) fail(`${field}.resourceNames`, 'is not supported');
    const operations = Array.isArray(resourceRule.operations) ? (resourceRule.operations as string[]) : undefined;
    return {
      apiGroups: Array.isArray(resourceRule.apiGroups) ? (resourceRule.apiGroups as string[]) : ['*'],
      kinds: (Array.isArray(resourceRule.resources) ? (resourceRule.resources as string[]) : ['*']).map((resource) => kindOf(resource, `${field}.resources`)),
      ...(operations && !(facts.operationsDefaulted && operations.join() === defaultOperations.join()) ? { operations } : {}),
    };
  });
  // What Capstan wrote for a rule that matched every kind.
  if (facts.operationsDefaulted && resourceRules.length === 1 && resourceRules[0].apiGroups.join() === '*' && resourceRules[0].kinds.join() === '*' && !resourceRules[0].operations) resourceRules = undefined;

  const matchResources = isFields(binding?.spec.matchResources) ? binding.spec.matchResources : {};
  let namespaces: string[] | undefined;
  let bindingNamespaceSelector = isFields(matchResources.namespaceSelector) ? (matchResources.namespaceSelector as LabelSelector) : undefined;
  const onlyExpression = bindingNamespaceSelector?.matchExpressions?.length === 1 && !Object.keys(bindingNamespaceSelector.matchLabels ?? {}).length ? bindingNamespaceSelector.matchExpressions[0] : undefined;
  if (onlyExpression?.key === 'kubernetes.io/metadata.name' && onlyExpression.operator === 'In') {
    namespaces = onlyExpression.values;
    bindingNamespaceSelector = undefined;
  }
  const scopeKinds = Array.isArray(matchResources.resourceRules)
    ? (matchResources.resourceRules as Array<Record<string, unknown>>).flatMap((resourceRule, i) =>
        ((resourceRule.apiGroups as string[] | undefined) ?? ['*']).flatMap((group) =>
          ((resourceRule.resources as string[] | undefined) ?? ['*']).map((resource): GroupKind => ({ group, kind: kindOf(resource, `binding.spec.matchResources.resourceRules[${i}].resources`) })),
        ),
      )
    : undefined;

  let exemptions: PolicyExemption[] = [];
  const exempted = binding?.metadata.annotations?.[exemptionsAnnotation];
  if (exempted !== undefined) {
    try {
      exemptions = JSON.parse(exempted) as PolicyExemption[];
    } catch {
      fail(`binding.metadata.annotations['${exemptionsAnnotation}']`, 'is not JSON');
    }
  }
  const derivedCondition = (condition: { name: string }) => (exempted !== undefined && condition.name === exemptionsCondition) || (namespaces !== undefined && condition.name === namespacedScopeCondition);
  const matchConditions = (Array.isArray(spec.matchConditions) ? (spec.matchConditions as CelRule['matchConditions']) ?? [] : []).filter((condition) => !derivedCondition(condition));
  const variables = Array.isArray(spec.variables) ? (spec.variables as CelRule['variables']) : undefined;
  const rawValidations = Array.isArray(spec.validations) ? (spec.validations as Array<Record<string, unknown>>) : [];
  const namespaceSelector = mergeSelectors(isFields(constraints.namespaceSelector) ? (constraints.namespaceSelector as LabelSelector) : undefined, bindingNamespaceSelector);
  const objectSelector = mergeSelectors(
    isFields(constraints.objectSelector) ? (constraints.objectSelector as LabelSelector) : undefined,
    isFields(matchResources.objectSelector) ? (matchResources.objectSelector as LabelSelector) : undefined,
  );
  const matchConstraints: CelMatchConstraints = {
    ...(resourceRules ? { resourceRules } : {}),
    ...(namespaceSelector ? { namespaceSelector } : {}),
    ...(objectSelector ? { objectSelector } : {}),
  };
  const failurePolicy = spec.failurePolicy === 'Ignore' ? 'Ignore' : facts.failurePolicy;
  const rule: CelRule = {
    type: 'cel',
    name: facts.rule ?? name,
    ...(Object.keys(matchConstraints).length > 0 ? { matchConstraints } : {}),
    ...(matchConditions.length > 0 ? { matchConditions } : {}),
    ...(variables?.length ? { variables } : {}),
    validations: rawValidations.map((validation, i) => ({
      expression: String(validation.expression ?? ''),
      ...(typeof validation.message === 'string' ? { message: validation.message } : {}),
      ...(typeof validation.messageExpression === 'string' ? { messageExpression: validation.messageExpression } : {}),
      ...(typeof validation.reason === 'string' ? { reason: validation.reason } : {}),
      ...(typeof facts.fieldPaths?.[i] === 'string' ? { fieldPath: facts.fieldPaths[i] as string } : {}),
    })),
    ...(failurePolicy ? { failurePolicy } : {}),
    ...(facts.severity ? { severity: facts.severity } : {}),
  };
  return {
    name: facts.policy ?? name,
    description: facts.description ?? '',
    mode: binding ? modeOf(binding.spec.validationActions) : (facts.mode ?? 'audit'),
    scope: { ...facts.clusters, ...(namespaces ? { namespaces } : {}), ...(scopeKinds ? { kinds: scopeKinds } : {}) },
    exemptions,
    rules: [rule],
    ...(facts.version === undefined ? {} : { version: facts.version }),
  };
}
