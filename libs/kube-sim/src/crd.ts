/**
 * CustomResourceDefinitions: the resource types a CRD serves, its status once accepted, and the
 * structural-schema pruning and defaulting applied to its custom resources.
 */
import { invalid, type StatusCause } from './errors';
import { crdFieldSchema, type StructuralSchema } from './field-schema';
import { isPlainObject, type JsonObject } from './json';
import type { ResourceType } from './resource-types';

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: StructuralSchema };
  subresources?: { status?: JsonObject; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  selectableFields?: Array<{ jsonPath: string }>;
  additionalPrinterColumns?: Array<{ name: string; type?: string; jsonPath?: string }>;
}

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
}

/** Throws 422 when a CRD cannot be served: name not `<plural>.<group>`, missing names or versions. */
export function validateCrd(crd: JsonObject): void {
  const spec = (isPlainObject(crd.spec) ? crd.spec : {}) as Partial<CrdSpec>;
  const name = (crd.metadata as JsonObject).name as string;
  const causes: StatusCause[] = [];
  if (!spec.group) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.group' });
  if (!spec.names?.plural) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.names.plural' });
  if (!spec.names?.kind) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.names.kind' });
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`, field: 'spec.scope' });
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) causes.push({ reason: 'FieldValueRequired', message: 'Required value: must have exactly one version marked as storage version', field: 'spec.versions' });
  else if (spec.versions.filter((version) => version.storage).length !== 1) causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: must have exactly one version marked as storage version', field: 'spec.versions' });
  if (spec.group && spec.names?.plural && name !== `${spec.names.plural}.${spec.group}`) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: must be spec.names.plural+"."+spec.group`, field: 'metadata.name' });
  }
  if (causes.length > 0) throw invalid({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', name }, causes);
}

/** The resource types of every served version of a (validated) CRD. */
export function crdResourceTypes(crd: JsonObject): ResourceType[] {
  const spec = crd.spec as CrdSpec;
  const name = (crd.metadata as JsonObject).name as string;
  return spec.versions
    .filter((version) => version.served !== false)
    .map((version) => ({
      group: spec.group,
      version: version.name,
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      resource: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      statusSubresource: version.subresources?.status !== undefined,
      scale: version.subresources?.scale,
      tracksGeneration: true,
      fieldLabels: (version.selectableFields ?? []).map((field) => field.jsonPath.replace(/^\./, '')),
      schema: crdFieldSchema(version.schema?.openAPIV3Schema),
      definedBy: name,
      structuralSchema: version.schema?.openAPIV3Schema,
      printerColumns: version.additionalPrinterColumns,
    }));
}

/** The status the apiextensions controllers give an accepted CRD. */
export function establishedCrdStatus(crd: JsonObject, now: string): JsonObject {
  const spec = crd.spec as CrdSpec;
  const condition = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  const storage = spec.versions.find((version) => version.storage)?.name;
  const previous = isPlainObject(crd.status) && Array.isArray(crd.status.storedVersions) ? (crd.status.storedVersions as string[]) : [];
  return {
    acceptedNames: { ...spec.names, singular: spec.names.singular ?? spec.names.kind.toLowerCase(), listKind: spec.names.listKind ?? `${spec.names.kind}List` },
    conditions: [condition('NamesAccepted', 'NoConflicts', 'no conflicts found'), condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
    storedVersions: storage && !previous.includes(storage) ? [...previous, storage] : previous,
  };
}

/**
 * Drops fields the structural schema does not declare (unless `x-kubernetes-preserve-unknown-fields`)
 * and fills `default`s, in place, as the API server does to custom resources.
 */
export function pruneAndDefault(value: unknown, schema: StructuralSchema | undefined): void {
  if (!schema || (schema['x-kubernetes-preserve-unknown-fields'] === true && !schema.properties)) return;
  if (Array.isArray(value)) {
    for (const item of value) pruneAndDefault(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  const properties = schema.properties ?? {};
  const additional = schema.additionalProperties;
  for (const key of Object.keys(value)) {
    const child = properties[key] ?? (typeof additional === 'object' ? additional : undefined);
    if (child) pruneAndDefault(value[key], child);
    else if (additional !== true && schema['x-kubernetes-preserve-unknown-fields'] !== true) delete value[key];
  }
  for (const [key, child] of Object.entries(properties)) {
    if (value[key] === undefined && child.default !== undefined) value[key] = JSON.parse(JSON.stringify(child.default));
  }
}

/** Prunes and defaults a custom resource against its type's schema, leaving identity and metadata alone. */
export function normalizeCustomResource(object: JsonObject, schema: StructuralSchema | undefined): void {
  if (!schema) return;
  const { apiVersion, kind, metadata } = object;
  pruneAndDefault(object, schema);
  Object.assign(object, { apiVersion, kind, metadata });
}
