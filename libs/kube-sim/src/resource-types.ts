/** The resource types a simulated cluster serves: the built-in kinds and those CRDs add. */
import { builtinFieldSchema, type FieldSchema, type StructuralSchema } from './field-schema';

/** Where a kind keeps its replica count, for the `scale` subresource. */
export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** The plural resource name used in URLs. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Whether `status` is written only through the status subresource. */
  statusSubresource: boolean;
  scale?: ScaleSubresource;
  /** Whether spec changes bump `metadata.generation`. */
  tracksGeneration: boolean;
  /** Field selector labels beyond `metadata.name` and `metadata.namespace`. */
  fieldLabels: string[];
  schema: FieldSchema;
  /** The CRD that defines this type; undefined for built-ins. */
  definedBy?: string;
  /** The CRD version's schema, for pruning and defaulting custom resources. */
  structuralSchema?: StructuralSchema;
  /** The CRD version's `additionalPrinterColumns`, for tables. */
  printerColumns?: Array<{ name: string; type?: string; jsonPath?: string }>;
}

/** `apps/v1` or `v1`. */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The storage key of a type: group and resource, version-independent. */
export function groupResource(type: Pick<ResourceType, 'group' | 'resource'>): string {
  return type.group ? `${type.resource}.${type.group}` : type.resource;
}

const replicasScale: ScaleSubresource = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };

interface BuiltinSpec {
  kind: string;
  resource: string;
  namespaced?: boolean;
  shortNames?: string[];
  all?: boolean;
  status?: boolean;
  scale?: boolean;
  generation?: boolean;
  fieldLabels?: string[];
  categories?: string[];
}

function builtins(group: string, version: string, specs: BuiltinSpec[]): ResourceType[] {
  return specs.map((spec) => ({
    group,
    version,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    resource: spec.resource,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced ?? true,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? (spec.all ? ['all'] : []),
    statusSubresource: spec.status ?? false,
    scale: spec.scale ? replicasScale : undefined,
    tracksGeneration: spec.generation ?? false,
    fieldLabels: spec.fieldLabels ?? [],
    schema: builtinFieldSchema,
  }));
}

/** Every built-in kind, one served version each. */
export const builtinResourceTypes: readonly ResourceType[] = [
  ...builtins('', 'v1', [
    { kind: 'Namespace', resource: 'namespaces', namespaced: false, shortNames: ['ns'], status: true, fieldLabels: ['status.phase'] },
    { kind: 'ConfigMap', resource: 'configmaps', shortNames: ['cm'] },
    { kind: 'Secret', resource: 'secrets', fieldLabels: ['type'] },
    { kind: 'Service', resource: 'services', shortNames: ['svc'], all: true, status: true },
    { kind: 'ServiceAccount', resource: 'serviceaccounts', shortNames: ['sa'] },
    { kind: 'Pod', resource: 'pods', shortNames: ['po'], all: true, status: true, fieldLabels: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP'] },
    { kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', shortNames: ['pvc'], status: true },
    { kind: 'LimitRange', resource: 'limitranges', shortNames: ['limits'] },
    { kind: 'ResourceQuota', resource: 'resourcequotas', shortNames: ['quota'], status: true },
    {
      kind: 'Event',
      resource: 'events',
      shortNames: ['ev'],
      fieldLabels: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
    },
  ]),
  ...builtins('apps', 'v1', [
    { kind: 'Deployment', resource: 'deployments', shortNames: ['deploy'], all: true, status: true, scale: true, generation: true },
    { kind: 'StatefulSet', resource: 'statefulsets', shortNames: ['sts'], all: true, status: true, scale: true, generation: true },
    { kind: 'DaemonSet', resource: 'daemonsets', shortNames: ['ds'], all: true, status: true, generation: true },
    { kind: 'ReplicaSet', resource: 'replicasets', shortNames: ['rs'], all: true, status: true, scale: true, generation: true },
  ]),
  ...builtins('batch', 'v1', [
    { kind: 'Job', resource: 'jobs', all: true, status: true, generation: true },
    { kind: 'CronJob', resource: 'cronjobs', shortNames: ['cj'], all: true, status: true, generation: true },
  ]),
  ...builtins('networking.k8s.io', 'v1', [
    { kind: 'Ingress', resource: 'ingresses', shortNames: ['ing'], status: true, generation: true },
    { kind: 'NetworkPolicy', resource: 'networkpolicies', shortNames: ['netpol'], generation: true },
  ]),
  ...builtins('autoscaling', 'v2', [{ kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', shortNames: ['hpa'], all: true, status: true, generation: true }]),
  ...builtins('policy', 'v1', [{ kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets', shortNames: ['pdb'], status: true, generation: true }]),
  ...builtins('rbac.authorization.k8s.io', 'v1', [
    { kind: 'Role', resource: 'roles' },
    { kind: 'RoleBinding', resource: 'rolebindings' },
    { kind: 'ClusterRole', resource: 'clusterroles', namespaced: false },
    { kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false },
  ]),
  ...builtins('apiextensions.k8s.io', 'v1', [
    { kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds'], status: true, generation: true, categories: ['api-extensions'] },
  ]),
  ...builtins('admissionregistration.k8s.io', 'v1', [
    { kind: 'ValidatingAdmissionPolicy', resource: 'validatingadmissionpolicies', namespaced: false, status: true, generation: true, categories: ['api-extensions'] },
    { kind: 'ValidatingAdmissionPolicyBinding', resource: 'validatingadmissionpolicybindings', namespaced: false, generation: true, categories: ['api-extensions'] },
  ]),
];

/** The types one cluster serves; CRDs add and remove theirs as they come and go. */
export class ResourceTypeRegistry {
  private readonly byGroupVersion = new Map<string, Map<string, ResourceType>>();

  constructor(types: readonly ResourceType[] = builtinResourceTypes) {
    for (const type of types) this.add(type);
  }

  add(type: ResourceType): void {
    const key = apiVersionOf(type);
    let types = this.byGroupVersion.get(key);
    if (!types) {
      types = new Map();
      this.byGroupVersion.set(key, types);
    }
    types.set(type.resource, type);
  }

  /** Removes every version of the types a CRD defined. */
  removeDefinedBy(crdName: string): void {
    for (const [key, types] of this.byGroupVersion) {
      for (const [resource, type] of types) if (type.definedBy === crdName) types.delete(resource);
      if (types.size === 0) this.byGroupVersion.delete(key);
    }
  }

  /** The type served at `/apis/{group}/{version}/{resource}`. */
  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    return this.byGroupVersion.get(group ? `${group}/${version}` : version)?.get(resource);
  }

  /** The type for an object's `apiVersion` and `kind`. */
  lookupKind(apiVersion: string, kind: string): ResourceType | undefined {
    for (const type of this.byGroupVersion.get(apiVersion)?.values() ?? []) if (type.kind === kind) return type;
    return undefined;
  }

  /** The types of one group version, or undefined when it is not served. */
  groupVersion(group: string, version: string): ResourceType[] | undefined {
    const types = this.byGroupVersion.get(group ? `${group}/${version}` : version);
    return types ? [...types.values()] : undefined;
  }

  /** Every served type. */
  all(): ResourceType[] {
    return [...this.byGroupVersion.values()].flatMap((types) => [...types.values()]);
  }
}
