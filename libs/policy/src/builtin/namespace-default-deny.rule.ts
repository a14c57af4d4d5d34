import { arrayAt, fieldsAt, groupOf, isNamespaceObject, namespaceOf } from '../objects';
import { isClusterScopedKind } from '@capstan/manifest';
import type { KubeObject } from '../types';
import { type BuiltinRuleDefinition, type InputFinding, noParams } from './builtin-rule';

/** Whether a NetworkPolicy selects every pod of its namespace and denies all ingress. */
export function deniesAllIngress(policy: KubeObject): boolean {
  const spec = fieldsAt(policy, 'spec');
  const podSelector = fieldsAt(spec, 'podSelector');
  const selectsAll = podSelector !== undefined && Object.keys(fieldsAt(podSelector, 'matchLabels') ?? {}).length === 0 && arrayAt(podSelector, 'matchExpressions').length === 0;
  // Without policyTypes, Kubernetes takes Ingress (and Egress when egress rules are given).
  const policyTypes = spec?.policyTypes === undefined ? ['Ingress'] : arrayAt(spec, 'policyTypes');
  return selectsAll && policyTypes.includes('Ingress') && arrayAt(spec, 'ingress').length === 0;
}

const isNetworkPolicy = (object: KubeObject) => object.kind === 'NetworkPolicy' && groupOf(object) === 'networking.k8s.io';

export const namespaceDefaultDenyRule: BuiltinRuleDefinition = {
  id: 'namespace-default-deny',
  severity: 'medium',
  description: 'every namespace (a Namespace object, or one that objects are in) has a NetworkPolicy denying all ingress by default',
  params: noParams,
  // Live, every namespace is a Namespace object: those and the NetworkPolicies are all it needs.
  kinds: () => [
    { group: '', kind: 'Namespace' },
    { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  ],
  checkInput(objects) {
    const namespaces = new Map<string, KubeObject>();
    const denied = new Set<string>();
    for (const object of objects) {
      if (isNamespaceObject(object)) namespaces.set(namespaceOf(object), object);
      else if (isNetworkPolicy(object) && deniesAllIngress(object)) denied.add(namespaceOf(object));
    }
    for (const object of objects) {
      const namespace = typeof object.metadata?.namespace === 'string' ? object.metadata.namespace : '';
      if (namespace !== '' && !isClusterScopedKind(String(object.kind)) && !namespaces.has(namespace)) {
        namespaces.set(namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      }
    }
    const findings: InputFinding[] = [];
    for (const [name, namespace] of namespaces) {
      if (name !== '' && !denied.has(name)) findings.push({ object: namespace, fieldPath: '', message: `namespace "${name}" has no NetworkPolicy that selects all pods (podSelector: {}) and denies ingress by default` });
    }
    return findings;
  },
};
