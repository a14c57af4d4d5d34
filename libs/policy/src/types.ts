/*
 * The words of a fleet-wide policy, defined once for the evaluator, the hub's service and its API.
 * Everything here is plain data (JSON-safe): a policy is stored as is and compiled again from it.
 * Times are milliseconds since the epoch (`now`) or ISO 8601 strings (`expiresAt`).
 */

/** What a violation does: only recorded (`audit`), shown to whoever applies (`warn`), or blocks the apply (`enforce`). */
export const policyModes = ['audit', 'warn', 'enforce'] as const;
export type PolicyMode = (typeof policyModes)[number];

/** How bad a violation is, from least to most. */
export const severities = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** The built-in rules, by their stable ids. */
export const builtinRuleIds = [
  'allow-privilege-escalation',
  'privileged-container',
  'added-capabilities',
  'resources-missing',
  'image-tag',
  'run-as-non-root',
  'read-only-root-filesystem',
  'host-path',
  'host-network',
  'host-pid',
  'host-ipc',
  'namespace-default-deny',
  'required-labels',
  'service-types',
] as const;
export type BuiltinRuleId = (typeof builtinRuleIds)[number];

/** What a failing validation reports as its reason when it names none, as ValidatingAdmissionPolicy does. */
export const defaultValidationReason = 'Invalid';

/** The reason of a violation that stands for an expression that could not be evaluated (it failed, or ran out of budget). */
export const evaluationErrorReason = 'EvaluationError';

/** Why an expression could not be evaluated. */
export const evaluationErrorCodes = ['CostLimitExceeded', 'EvaluationFailed'] as const;
export type EvaluationErrorCode = (typeof evaluationErrorCodes)[number];

/** A Kubernetes object as manifests and live objects are: plain JSON, only the identifying fields known. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; [field: string]: unknown };
  [field: string]: unknown;
}

/** A group/kind; `'*'` in either matches any. The core group is `''`. */
export interface GroupKind {
  group: string;
  kind: string;
}

/** Where a policy applies. Every condition given must hold; an empty scope is the whole fleet. */
export interface PolicyScope {
  /** Clusters in any of these groups (by name). */
  groups?: string[];
  /** Clusters whose labels match this label selector (`env=prod,tier in (a,b)`). */
  clusterSelector?: string;
  /** Objects in these namespaces (a Namespace object counts as in itself); cluster-scoped objects are then out of scope. */
  namespaces?: string[];
  /** Objects of these kinds. */
  kinds?: GroupKind[];
}

/** Objects a policy does not judge, for a reason, until it expires. Every condition given must hold; at least one is required. */
export interface PolicyExemption {
  namespaces?: string[];
  /** Objects whose labels match this label selector. */
  objectSelector?: string;
  reason: string;
  /** ISO 8601; from then on the exemption no longer applies. */
  expiresAt?: string;
}

/** Parameters of the built-in rules that take any; the others take none. */
export interface BuiltinRuleParams {
  'added-capabilities': { allowed?: string[] };
  'resources-missing': { requests?: ResourceName[]; limits?: ResourceName[] };
  'image-tag': { requireDigest?: boolean };
  'required-labels': { labels: string[]; kinds?: string[] };
  'service-types': { allowed?: string[] };
}

export const resourceNames = ['cpu', 'memory'] as const;
export type ResourceName = (typeof resourceNames)[number];

/** A built-in rule; `params` only for the ids that take parameters. */
export interface BuiltinRule {
  type: 'builtin';
  id: BuiltinRuleId;
  params?: Record<string, unknown>;
  /** Overrides the rule's own severity. */
  severity?: Severity;
}

/** A Kubernetes label selector object (`matchLabels` and `matchExpressions`). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** Which objects a CEL rule judges, as a ValidatingAdmissionPolicy's `matchConstraints` (with kinds instead of resources). */
export interface CelMatchConstraints {
  /** Without it, every kind. */
  resourceRules?: Array<{ apiGroups: string[]; kinds: string[]; operations?: string[] }>;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
}

export interface CelNamedExpression {
  name: string;
  expression: string;
}

/** One check: the object passes when `expression` is true. */
export interface CelValidation {
  expression: string;
  message?: string;
  /** A CEL expression giving the message (a string); `message` is used when it fails. */
  messageExpression?: string;
  /** A Kubernetes status reason (`Invalid`, `Forbidden`…); default `Invalid`. */
  reason?: string;
  /** The field the message is about (Capstan's own; not carried to a ValidatingAdmissionPolicy). */
  fieldPath?: string;
}

/** A custom rule in CEL, with ValidatingAdmissionPolicy's conventions. */
export interface CelRule {
  type: 'cel';
  name: string;
  matchConstraints?: CelMatchConstraints;
  /** All must be true for the validations to run. */
  matchConditions?: CelNamedExpression[];
  /** Available as `variables.<name>`, each evaluated at most once per object; later ones may use earlier ones. */
  variables?: CelNamedExpression[];
  validations: CelValidation[];
  /** Any JSON, available as `params`. */
  params?: unknown;
  /** What an expression that cannot be evaluated means: a violation (`Fail`, the default) or nothing (`Ignore`). */
  failurePolicy?: 'Fail' | 'Ignore';
  /** Default `medium`. */
  severity?: Severity;
}

export type PolicyRule = BuiltinRule | CelRule;

/** A fleet-wide policy: rules, how strictly they hold, where, and who is exempt. */
export interface Policy {
  name: string;
  description: string;
  mode: PolicyMode;
  scope: PolicyScope;
  exemptions: PolicyExemption[];
  rules: PolicyRule[];
  version?: number;
}

/** What names the object a violation concerns; `namespace` is `''` for cluster-scoped objects. */
export interface ViolationSubject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** One object failing one rule of one policy. */
export interface Violation {
  policy: string;
  /** The built-in rule's id or the CEL rule's name. */
  rule: string;
  severity: Severity;
  object: ViolationSubject;
  /** Where in the object, e.g. `spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation`; `''` for the object as a whole. */
  fieldPath: string;
  /** Names the object and the field. */
  message: string;
  /** What is wrong, without naming the object: the validation's message, for an admission answer. */
  detail: string;
  /** For CEL rules the validation's reason; `EvaluationError` when the rule could not be evaluated. */
  reason?: string;
  /** Present when `reason` is `EvaluationError`: why, and which expression (`validations[0].expression`). */
  evaluationError?: { code: EvaluationErrorCode; field: string };
}

/** The cluster a policy is evaluated for. */
export interface PolicyCluster {
  name: string;
  labels: Record<string, string>;
  /** Names of the groups it is a member of. */
  groups: string[];
}

/** What `evaluate` judges: a cluster's objects (a rendered bundle or live objects). */
export interface EvaluationInput {
  objects: KubeObject[];
  cluster: PolicyCluster;
  /** Namespace objects known besides those in `objects`, for `namespaceObject` and namespace selectors. */
  namespaces?: KubeObject[];
  now: number;
}
