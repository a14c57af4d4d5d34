import type { CelInput } from '@bufbuild/cel';
import type { CelObjects } from './cel/cel-rule';
import { celValueOf } from './cel/cel-values';
import type { CompiledPolicy } from './compile';
import { formatSubject, isNamespaceObject, namespaceOf, subjectOf } from './objects';
import { isClusterScopedKind, splitApiVersion } from '@capstan/manifest';
import { type EvaluationInput, evaluationErrorReason, type KubeObject, type Violation } from './types';

/** The objects CEL rules read, converted once per evaluation whatever the number of rules. */
function celObjects(input: EvaluationInput): CelObjects {
  const namespaces = new Map<string, KubeObject>();
  for (const object of [...(input.namespaces ?? []), ...input.objects]) if (isNamespaceObject(object)) namespaces.set(namespaceOf(object), object);
  const values = new Map<KubeObject, CelInput>();
  const requests = new Map<KubeObject, CelInput>();
  const namespaceObject = (object: KubeObject): KubeObject | null => {
    if (isNamespaceObject(object) || isClusterScopedKind(String(object.kind))) return null;
    const name = typeof object.metadata?.namespace === 'string' ? object.metadata.namespace : '';
    if (name === '') return null;
    let namespace = namespaces.get(name);
    if (!namespace) {
      // Kubernetes always has the namespace; when the input does not, its name is all we know.
      namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } };
      namespaces.set(name, namespace);
    }
    return namespace;
  };
  return {
    value(object) {
      let value = values.get(object);
      if (value === undefined) {
        value = celValueOf(object);
        values.set(object, value);
      }
      return value;
    },
    namespaceObject,
    request(object) {
      let request = requests.get(object);
      if (request === undefined) {
        const subject = subjectOf(object);
        const { group, version } = splitApiVersion(subject.apiVersion);
        request = celValueOf({ kind: { group, version, kind: subject.kind }, name: subject.name, namespace: subject.namespace, operation: 'CREATE', dryRun: false, userInfo: { username: '', groups: [] } });
        requests.set(object, request);
      }
      return request;
    },
  };
}

/**
 * The violations of a compiled policy in a cluster's objects: nothing for a cluster outside the
 * policy's scope; objects out of scope or exempt (by an exemption not yet expired at `now`) are
 * not judged. A CEL expression that cannot be evaluated (it failed, or ran out of budget) is a
 * violation with reason `EvaluationError` (unless its rule's failurePolicy is Ignore).
 */
export function evaluate(compiled: CompiledPolicy, input: EvaluationInput): Violation[] {
  if (!compiled.scope.includesCluster(input.cluster)) return [];
  const exemptions = compiled.exemptions.filter((exemption) => exemption.expiresAt > input.now);
  const judged = (object: KubeObject) => compiled.scope.includesObject(object) && !exemptions.some((exemption) => exemption.covers(object));
  const policy = compiled.policy.name;
  const violations: Violation[] = [];
  const report = (object: KubeObject, rule: string, severity: Violation['severity'], fieldPath: string, text: string, extra: Partial<Violation> = {}) => {
    const subject = subjectOf(object);
    violations.push({ policy, rule, severity, object: subject, fieldPath, message: `${formatSubject(subject)}: ${fieldPath ? `field ${fieldPath}: ` : ''}${text}`, detail: text, ...extra });
  };

  const objects = input.objects.filter(judged);
  const cel = compiled.rules.some((rule) => rule.type === 'cel') ? celObjects(input) : undefined;
  for (const object of objects) {
    for (const rule of compiled.rules) {
      if (rule.type === 'builtin') {
        for (const finding of rule.definition.check?.(object, rule.params) ?? []) report(object, rule.name, rule.severity, finding.fieldPath, finding.message);
        continue;
      }
      for (const outcome of rule.cel.evaluate(object, cel as CelObjects)) {
        if (outcome.kind === 'violation') report(object, rule.name, rule.severity, outcome.fieldPath, outcome.message, { reason: outcome.reason });
        else report(object, rule.name, rule.severity, '', `${outcome.field} could not be evaluated: ${outcome.message}`, { reason: evaluationErrorReason, evaluationError: { code: outcome.code, field: outcome.field } });
      }
    }
  }
  // Rules judged over the whole input see every object; what they report on is scoped and exempted like the rest.
  for (const rule of compiled.rules) {
    if (rule.type !== 'builtin' || !rule.definition.checkInput) continue;
    for (const finding of rule.definition.checkInput(input.objects, rule.params)) {
      if (judged(finding.object)) report(finding.object, rule.name, rule.severity, finding.fieldPath, finding.message);
    }
  }
  return violations;
}
