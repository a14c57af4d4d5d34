import { isJsonObject, type JsonObject } from '@capstan/manifest';
import { fieldSpecApplies, podSpecLocations, visitFieldSpec, type FieldSpec } from './field-specs';
import { RenderError } from './render-error';
import { sameNamespace, type Resource } from './resource';

/** Fields that hold the name of another object of `kind`, as kustomize's nameReference config lists them. */
interface ReferenceRule {
  kind: string;
  group?: string;
  referrers: FieldSpec[];
}

const inPodSpecs = (...paths: string[]): FieldSpec[] => podSpecLocations.flatMap(({ kind, path: podSpec }) => paths.map((path) => ({ kind, path: `${podSpec}/${path}` })));
const inContainers = (path: string) => [`containers/${path}`, `initContainers/${path}`];
const scaleTarget: FieldSpec[] = [{ kind: 'HorizontalPodAutoscaler', path: 'spec/scaleTargetRef/name' }];
const bindingSubjects: FieldSpec[] = [
  { kind: 'RoleBinding', group: 'rbac.authorization.k8s.io', path: 'subjects' },
  { kind: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', path: 'subjects' },
];

const referenceRules: readonly ReferenceRule[] = [
  {
    kind: 'ConfigMap',
    referrers: inPodSpecs('volumes/configMap/name', 'volumes/projected/sources/configMap/name', ...inContainers('env/valueFrom/configMapKeyRef/name'), ...inContainers('envFrom/configMapRef/name')),
  },
  {
    kind: 'Secret',
    referrers: [
      ...inPodSpecs('volumes/secret/secretName', 'volumes/projected/sources/secret/name', ...inContainers('env/valueFrom/secretKeyRef/name'), ...inContainers('envFrom/secretRef/name'), 'imagePullSecrets/name'),
      { kind: 'Ingress', path: 'spec/tls/secretName' },
      { kind: 'ServiceAccount', path: 'imagePullSecrets/name' },
      { kind: 'ServiceAccount', path: 'secrets/name' },
    ],
  },
  {
    kind: 'Service',
    referrers: [
      { kind: 'Ingress', path: 'spec/rules/http/paths/backend/service/name' },
      { kind: 'Ingress', path: 'spec/defaultBackend/service/name' },
      { kind: 'Ingress', path: 'spec/rules/http/paths/backend/serviceName' },
      { kind: 'Ingress', path: 'spec/backend/serviceName' },
      { kind: 'StatefulSet', group: 'apps', path: 'spec/serviceName' },
      { kind: 'APIService', group: 'apiregistration.k8s.io', path: 'spec/service/name' },
      { kind: 'ValidatingWebhookConfiguration', path: 'webhooks/clientConfig/service/name' },
      { kind: 'MutatingWebhookConfiguration', path: 'webhooks/clientConfig/service/name' },
    ],
  },
  { kind: 'ServiceAccount', referrers: [...inPodSpecs('serviceAccountName'), ...bindingSubjects] },
  { kind: 'Role', group: 'rbac.authorization.k8s.io', referrers: [{ kind: 'RoleBinding', path: 'roleRef/name' }] },
  { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', referrers: [{ kind: 'RoleBinding', path: 'roleRef/name' }, { kind: 'ClusterRoleBinding', path: 'roleRef/name' }] },
  { kind: 'PersistentVolumeClaim', referrers: inPodSpecs('volumes/persistentVolumeClaim/claimName') },
  { kind: 'PersistentVolume', referrers: [{ kind: 'PersistentVolumeClaim', path: 'spec/volumeName' }] },
  {
    kind: 'StorageClass',
    referrers: [
      { kind: 'PersistentVolumeClaim', path: 'spec/storageClassName' },
      { kind: 'PersistentVolume', path: 'spec/storageClassName' },
      { kind: 'StatefulSet', group: 'apps', path: 'spec/volumeClaimTemplates/spec/storageClassName' },
    ],
  },
  { kind: 'PriorityClass', referrers: inPodSpecs('priorityClassName') },
  { kind: 'IngressClass', referrers: [{ kind: 'Ingress', path: 'spec/ingressClassName' }] },
  ...['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].map((kind) => ({ kind, referrers: scaleTarget })),
];

/**
 * Rewrites references to renamed objects (prefix, suffix, hash): a field naming an object by
 * any of its earlier names gets its final name. Namespaced objects are only referred to from
 * their own namespace, or from where the reference names (RoleBinding subjects, webhooks).
 */
export function fixNameReferences(resources: readonly Resource[]): void {
  for (const rule of referenceRules) {
    const referrals = resources.filter((resource) => resource.kind === rule.kind && (rule.group === undefined || resource.id.group === rule.group));
    if (referrals.length === 0 || referrals.every((referral) => referral.previousIds.length === 0)) continue;
    for (const referrer of resources) {
      const id = referrer.id;
      for (const spec of rule.referrers) {
        if (!fieldSpecApplies(spec, id)) continue;
        visitFieldSpec(referrer.object, spec, (parent, key) => {
          const value = parent[key];
          if (typeof value === 'string') rewrite(rule, referrals, referrer, parent, key, false);
          else if (Array.isArray(value)) {
            for (const item of value) if (isJsonObject(item)) rewrite(rule, referrals, referrer, item, 'name', true);
          }
        });
      }
    }
  }
}

function rewrite(rule: ReferenceRule, referrals: readonly Resource[], referrer: Resource, holder: JsonObject, key: string, isSubject: boolean): void {
  const name = holder[key];
  if (typeof name !== 'string') return;
  // A reference that says what kind it points to (roleRef, scaleTargetRef, subjects) must say this kind.
  if (typeof holder.kind === 'string' && holder.kind !== rule.kind) return;
  const explicitNamespace = key === 'name' && typeof holder.namespace === 'string' ? holder.namespace : undefined;
  const candidates = referrals.filter((referral) => {
    if (!referral.allIds.some((id) => id.name === name)) return false;
    if (referral.isClusterScoped) return true;
    if (explicitNamespace !== undefined) return referral.allIds.some((id) => sameNamespace(id.namespace, explicitNamespace));
    if (isSubject || referrer.isClusterScoped) return sameNamespace(referral.originalId.namespace, '');
    return sameNamespace(referral.id.namespace, referrer.id.namespace) || sameNamespace(referral.originalId.namespace, referrer.originalId.namespace);
  });
  const names = new Set(candidates.map((candidate) => candidate.id.name));
  if (names.size > 1) {
    throw new RenderError(referrer.label, undefined, `reference to ${rule.kind} ${JSON.stringify(name)} is ambiguous: ${candidates.map((candidate) => candidate.label).join(', ')}`);
  }
  if (candidates.length === 0) return;
  const target = candidates[0];
  holder[key] = target.id.name;
  if (isSubject && target.id.namespace) holder.namespace = target.id.namespace;
}
