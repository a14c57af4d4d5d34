import type { ObjectIdentity } from '@capstan/manifest';
import type { Resource } from './resource';

// kustomize's "legacy" output order: these kinds first in this order, webhooks last, the rest between.
const kindsFirst = [
  'Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount', 'PodSecurityPolicy', 'Role',
  'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Endpoints', 'Service', 'LimitRange',
  'PriorityClass', 'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget',
];
const kindsLast = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function kindRank(kind: string): number {
  const first = kindsFirst.indexOf(kind);
  if (first >= 0) return first - kindsFirst.length;
  const last = kindsLast.indexOf(kind);
  return last >= 0 ? last + 1 : 0;
}

const gvkString = (id: ObjectIdentity) => `${id.group || '~G'}_${id.version || '~V'}_${id.kind || '~K'}`;
const sortString = (id: ObjectIdentity) => `${gvkString(id)}|${id.namespace || '~X'}|${id.name || '~N'}`;

/** Sorts resources as `kustomize build` prints them (its default legacy order). */
export function sortLegacy(resources: readonly Resource[]): Resource[] {
  const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...resources].sort((a, b) => {
    const left = a.id;
    const right = b.id;
    return kindRank(left.kind) - kindRank(right.kind) || byString(gvkString(left), gvkString(right)) || byString(sortString(left), sortString(right));
  });
}
