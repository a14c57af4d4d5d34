/**
 * The little of the OpenAPI schema that field ownership and merging need: how each list merges
 * (keyed map, set, atomic) and which objects are atomic. Paths are field names from the object
 * root; list items are stepped over (`spec.template.spec.containers.ports`).
 */

export type ListKind = { type: 'map'; keys: readonly string[]; keyDefaults?: Readonly<Record<string, unknown>> } | { type: 'set' } | { type: 'atomic' };

/** How the fields of one resource type merge; built-ins and each CRD have one. */
export interface FieldSchema {
  list(path: readonly string[]): ListKind;
  /** Whether the object at `path` is replaced whole rather than merged field by field. */
  atomicObject(path: readonly string[]): boolean;
}

const atomicList: ListKind = { type: 'atomic' };
const setList: ListKind = { type: 'set' };
const keyedBy = (keys: string[], keyDefaults?: Record<string, unknown>): ListKind => ({ type: 'map', keys, keyDefaults });

// Matched against the end of a path, longest rule first; from the `+listType`/`+listMapKey`
// markers of k8s.io/api.
const listRules: ReadonlyArray<[suffix: string[], kind: ListKind]> = [
  [['metadata', 'finalizers'], setList],
  [['metadata', 'ownerReferences'], keyedBy(['uid'])],
  [['metadata', 'managedFields'], atomicList],
  [['containers', 'ports'], keyedBy(['containerPort', 'protocol'], { protocol: 'TCP' })],
  [['initContainers', 'ports'], keyedBy(['containerPort', 'protocol'], { protocol: 'TCP' })],
  [['ephemeralContainers', 'ports'], keyedBy(['containerPort', 'protocol'], { protocol: 'TCP' })],
  [['spec', 'ports'], keyedBy(['port', 'protocol'], { protocol: 'TCP' })],
  [['containers'], keyedBy(['name'])],
  [['initContainers'], keyedBy(['name'])],
  [['ephemeralContainers'], keyedBy(['name'])],
  [['env'], keyedBy(['name'])],
  [['volumeMounts'], keyedBy(['mountPath'])],
  [['volumeDevices'], keyedBy(['devicePath'])],
  [['volumes'], keyedBy(['name'])],
  [['imagePullSecrets'], keyedBy(['name'])],
  [['hostAliases'], keyedBy(['ip'])],
  [['topologySpreadConstraints'], keyedBy(['topologyKey', 'whenUnsatisfiable'])],
  [['resourceClaims'], keyedBy(['name'])],
  [['schedulingGates'], keyedBy(['name'])],
  [['conditions'], keyedBy(['type'])],
];

// LabelSelector and Service selectors are `+structType=atomic` / `+mapType=atomic`.
const atomicObjectNames = new Set(['selector', 'podSelector', 'namespaceSelector', 'labelSelector', 'nodeSelector', 'objectSelector']);

function endsWith(path: readonly string[], suffix: readonly string[]): boolean {
  if (suffix.length > path.length) return false;
  const offset = path.length - suffix.length;
  return suffix.every((name, index) => path[offset + index] === name);
}

/** The schema of the built-in kinds. */
export const builtinFieldSchema: FieldSchema = {
  list(path) {
    return listRules.find(([suffix]) => endsWith(path, suffix))?.[1] ?? atomicList;
  },
  atomicObject(path) {
    return path.length > 0 && atomicObjectNames.has(path[path.length - 1]) && path[0] !== 'metadata';
  },
};

/** An OpenAPI v3 schema node of a CRD version, with the Kubernetes list and map extensions. */
export interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  [extension: string]: unknown;
}

function schemaAt(root: StructuralSchema, path: readonly string[]): StructuralSchema | undefined {
  let node: StructuralSchema | undefined = root;
  for (const name of path) {
    while (node?.type === 'array') node = node.items;
    if (!node) return undefined;
    const child: StructuralSchema | undefined =
      node.properties?.[name] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    node = child;
  }
  return node;
}

/** The schema of a custom resource, read from its CRD's `openAPIV3Schema` (metadata as built-in). */
export function crdFieldSchema(root: StructuralSchema | undefined): FieldSchema {
  if (!root) return builtinFieldSchema;
  return {
    list(path) {
      if (path[0] === 'metadata') return builtinFieldSchema.list(path);
      const node = schemaAt(root, path);
      switch (node?.['x-kubernetes-list-type']) {
        case 'map':
          return keyedBy(node['x-kubernetes-list-map-keys'] ?? []);
        case 'set':
          return setList;
        default:
          return atomicList;
      }
    },
    atomicObject(path) {
      if (path[0] === 'metadata') return false;
      return schemaAt(root, path)?.['x-kubernetes-map-type'] === 'atomic';
    },
  };
}
