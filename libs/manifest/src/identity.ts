import { isJsonObject, type JsonObject } from './json';

import type { ObjectRef } from '@capstan/vocabulary';

/** What identifies an object in a cluster: group/version/kind plus namespace and name. */
export type ObjectIdentity = ObjectRef;

/** Splits `apiVersion` into group and version (`v1` is the core group ''). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The identity of a manifest; missing fields are empty strings. */
export function identityOf(object: JsonObject): ObjectIdentity {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const { group, version } = splitApiVersion(typeof object.apiVersion === 'string' ? object.apiVersion : '');
  return {
    group,
    version,
    kind: typeof object.kind === 'string' ? object.kind : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
  };
}

/** `Kind/namespace/name` (or `Kind/name` without namespace), the form errors and logs use. */
export function formatIdentity(identity: Pick<ObjectIdentity, 'kind' | 'namespace' | 'name'>): string {
  return identity.namespace ? `${identity.kind}/${identity.namespace}/${identity.name}` : `${identity.kind}/${identity.name}`;
}

// Built-in kinds that live outside namespaces; any other kind (including custom resources) is namespaced.
const clusterScopedKinds = new Set([
  'APIService', 'CertificateSigningRequest', 'ClusterRole', 'ClusterRoleBinding', 'ClusterTrustBundle', 'ComponentStatus',
  'CSIDriver', 'CSINode', 'CustomResourceDefinition', 'FlowSchema', 'IngressClass', 'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding', 'MutatingWebhookConfiguration', 'Namespace', 'Node', 'PersistentVolume',
  'PodSecurityPolicy', 'PriorityClass', 'PriorityLevelConfiguration', 'RuntimeClass', 'SelfSubjectAccessReview',
  'SelfSubjectReview', 'SelfSubjectRulesReview', 'StorageClass', 'StorageVersion', 'SubjectAccessReview', 'TokenReview',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration', 'VolumeAttachment',
  'IPAddress', 'ServiceCIDR', 'DeviceClass', 'VolumeAttributesClass',
]);

/** Whether objects of this built-in kind are cluster-scoped (unknown kinds count as namespaced). */
export function isClusterScopedKind(kind: string): boolean {
  return clusterScopedKinds.has(kind);
}
