import { isJsonObject, type JsonObject, type JsonValue, type ObjectIdentity } from '@capstan/manifest';

/**
 * Where a transformer writes, as kustomize's field specs say it: a '/'-separated path,
 * optionally limited to a group/version/kind, and whether missing maps on the way are created.
 * Lists on the path are walked element by element.
 */
export interface FieldSpec {
  group?: string;
  version?: string;
  kind?: string;
  path: string;
  create?: boolean;
}

/** Whether the spec's group/version/kind (each optional) select an object of identity `id`. */
export function fieldSpecApplies(spec: FieldSpec, id: ObjectIdentity): boolean {
  return (spec.kind === undefined || spec.kind === id.kind) && (spec.group === undefined || spec.group === id.group) && (spec.version === undefined || spec.version === id.version);
}

/** Calls `visit(parent, key)` for each place the spec's path reaches in `object`. */
export function visitFieldSpec(object: JsonObject, spec: FieldSpec, visit: (parent: JsonObject, key: string) => void): void {
  walk(object, spec.path.split('/'), 0, spec.create === true, visit);
}

function walk(node: JsonValue | undefined, segments: string[], index: number, create: boolean, visit: (parent: JsonObject, key: string) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, segments, index, create, visit);
    return;
  }
  if (!isJsonObject(node)) return;
  const key = segments[index].replace(/\[\]$/, '');
  if (index === segments.length - 1) {
    visit(node, key);
    return;
  }
  let child = node[key];
  if (child === undefined || child === null) {
    if (!create) return;
    child = node[key] = {};
  }
  walk(child, segments, index + 1, create, visit);
}

/** Field specs for objects that embed a pod template, per workload kind (kustomize's lists). */
const podTemplateOwners: ReadonlyArray<{ kind: string; group?: string; version?: string; template: string }> = [
  { kind: 'ReplicationController', version: 'v1', template: 'spec/template' },
  { kind: 'Deployment', template: 'spec/template' },
  { kind: 'ReplicaSet', template: 'spec/template' },
  { kind: 'DaemonSet', template: 'spec/template' },
  { kind: 'StatefulSet', group: 'apps', template: 'spec/template' },
  { kind: 'Job', group: 'batch', template: 'spec/template' },
  { kind: 'CronJob', group: 'batch', template: 'spec/jobTemplate/spec/template' },
];

const templateMetadata = (field: 'labels' | 'annotations'): FieldSpec[] => [
  ...podTemplateOwners.map(({ kind, group, version, template }) => ({ kind, group, version, path: `${template}/metadata/${field}`, create: true })),
  { kind: 'CronJob', group: 'batch', path: `spec/jobTemplate/metadata/${field}`, create: true },
];

const affinitySelectorPaths = [
  'spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels',
];

const volumeClaimTemplateLabels: FieldSpec = { kind: 'StatefulSet', group: 'apps', path: 'spec/volumeClaimTemplates[]/metadata/labels', create: true };

/** kustomize's `commonLabels` field specs: metadata, selectors and pod templates. */
export const commonLabelFieldSpecs: readonly FieldSpec[] = [
  { path: 'metadata/labels', create: true },
  { kind: 'ReplicationController', version: 'v1', path: 'spec/selector', create: true },
  { kind: 'Service', version: 'v1', path: 'spec/selector', create: true },
  { kind: 'Deployment', path: 'spec/selector/matchLabels', create: true },
  { kind: 'ReplicaSet', path: 'spec/selector/matchLabels', create: true },
  { kind: 'DaemonSet', path: 'spec/selector/matchLabels', create: true },
  { kind: 'StatefulSet', group: 'apps', path: 'spec/selector/matchLabels', create: true },
  ...affinitySelectorPaths.map((path) => ({ kind: 'Deployment', group: 'apps', path })),
  ...affinitySelectorPaths.map((path) => ({ kind: 'StatefulSet', group: 'apps', path })),
  volumeClaimTemplateLabels,
  { kind: 'Job', group: 'batch', path: 'spec/selector/matchLabels' },
  { kind: 'CronJob', group: 'batch', path: 'spec/jobTemplate/spec/selector/matchLabels' },
  { kind: 'PodDisruptionBudget', group: 'policy', path: 'spec/selector/matchLabels' },
  { kind: 'NetworkPolicy', group: 'networking.k8s.io', path: 'spec/podSelector/matchLabels' },
  { kind: 'NetworkPolicy', group: 'networking.k8s.io', path: 'spec/ingress/from/podSelector/matchLabels' },
  { kind: 'NetworkPolicy', group: 'networking.k8s.io', path: 'spec/egress/to/podSelector/matchLabels' },
  ...templateMetadata('labels'),
];

/** kustomize's template label field specs (`labels[].includeTemplates`). */
export const templateLabelFieldSpecs: readonly FieldSpec[] = [...templateMetadata('labels'), volumeClaimTemplateLabels];

/** kustomize's `commonAnnotations` field specs: metadata and pod templates. */
export const commonAnnotationFieldSpecs: readonly FieldSpec[] = [{ path: 'metadata/annotations', create: true }, ...templateMetadata('annotations')];

/** The pod spec inside each kind that has one, for name references into pod specs. */
export const podSpecLocations: ReadonlyArray<{ kind: string; path: string }> = [
  { kind: 'Pod', path: 'spec' },
  { kind: 'PodTemplate', path: 'template/spec' },
  ...podTemplateOwners.map(({ kind, template }) => ({ kind, path: `${template}/spec` })),
];
