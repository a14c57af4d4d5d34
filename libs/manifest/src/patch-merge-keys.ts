/*
 * The strategic-merge metadata of the built-in Kubernetes types (the `patchMergeKey` and
 * `patchStrategy` struct tags of k8s.io/api), for the fields that carry them. A list field
 * not listed here is atomic: a patch replaces it.
 */

/** How one field merges: a list keyed by `mergeKey`, a set of primitives, or an object of a known type. */
export interface FieldMergeRule {
  mergeKey?: string;
  primitiveSet?: boolean;
  /** The type of the field's value, or of each list element. */
  type?: string;
}

type TypeRules = Readonly<Record<string, FieldMergeRule>>;

const podSpecContainers = { mergeKey: 'name', type: 'Container' };

const mergeTypes: Readonly<Record<string, TypeRules>> = {
  ObjectMeta: { finalizers: { primitiveSet: true }, ownerReferences: { mergeKey: 'uid' } },
  Container: {
    ports: { mergeKey: 'containerPort' },
    env: { mergeKey: 'name' },
    volumeMounts: { mergeKey: 'mountPath' },
    volumeDevices: { mergeKey: 'devicePath' },
  },
  PodSpec: {
    containers: podSpecContainers,
    initContainers: podSpecContainers,
    ephemeralContainers: podSpecContainers,
    volumes: { mergeKey: 'name' },
    imagePullSecrets: { mergeKey: 'name' },
    hostAliases: { mergeKey: 'ip' },
    topologySpreadConstraints: { mergeKey: 'topologyKey' },
    resourceClaims: { mergeKey: 'name' },
    schedulingGates: { mergeKey: 'name' },
  },
  PodTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec' } },
  WorkloadSpec: { template: { type: 'PodTemplateSpec' } },
  JobTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'WorkloadSpec' } },
  CronJobSpec: { jobTemplate: { type: 'JobTemplateSpec' } },
  ServiceSpec: { ports: { mergeKey: 'port' } },
  Pod: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec' } },
  PodTemplate: { metadata: { type: 'ObjectMeta' }, template: { type: 'PodTemplateSpec' } },
  Workload: { metadata: { type: 'ObjectMeta' }, spec: { type: 'WorkloadSpec' } },
  CronJob: { metadata: { type: 'ObjectMeta' }, spec: { type: 'CronJobSpec' } },
  Service: { metadata: { type: 'ObjectMeta' }, spec: { type: 'ServiceSpec' } },
  ServiceAccount: { metadata: { type: 'ObjectMeta' }, secrets: { mergeKey: 'name' }, imagePullSecrets: { mergeKey: 'name' } },
  Object: { metadata: { type: 'ObjectMeta' } },
};

const rootTypeByKind: Readonly<Record<string, string>> = {
  Pod: 'Pod',
  PodTemplate: 'PodTemplate',
  Deployment: 'Workload',
  StatefulSet: 'Workload',
  DaemonSet: 'Workload',
  ReplicaSet: 'Workload',
  ReplicationController: 'Workload',
  Job: 'Workload',
  CronJob: 'CronJob',
  Service: 'Service',
  ServiceAccount: 'ServiceAccount',
};

/** The merge rules of a named type (see `rootMergeType`); unknown names have none. */
export function mergeRulesOf(typeName: string | undefined): TypeRules {
  return (typeName && mergeTypes[typeName]) || {};
}

/** The merge type of a whole object of `kind`; any kind has at least ObjectMeta's rules. */
export function rootMergeType(kind: string): string {
  return rootTypeByKind[kind] ?? 'Object';
}
