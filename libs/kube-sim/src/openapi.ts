/**
 * OpenAPI v3 documents, as much as clients read: the index of group versions, and per group
 * version the object paths with their operations tagged by group/version/kind and the query
 * parameters each takes (kubectl looks for `fieldValidation` on PATCH before it validates).
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from './json';
import { apiVersionOf, type ResourceType, type ResourceTypeRegistry } from './resource-types';

function documentPath(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `apis/${type.group}/${type.version}` : `api/${type.version}`;
}

/** `/openapi/v3`: where each group version's document is, with a hash of its content. */
export function openApiIndex(registry: ResourceTypeRegistry, prefix: string): JsonObject {
  const paths: JsonObject = {};
  const byDocument = new Map<string, ResourceType[]>();
  for (const type of registry.all()) byDocument.set(documentPath(type), [...(byDocument.get(documentPath(type)) ?? []), type]);
  for (const [path, types] of byDocument) {
    const hash = createHash('sha512').update(JSON.stringify(types.map((type) => [type.kind, type.resource, type.namespaced]))).digest('hex').slice(0, 128).toUpperCase();
    paths[path] = { serverRelativeURL: `${prefix}/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

const queryParameter = (name: string, type = 'string') => ({ name, in: 'query', schema: { type }, uniqueItems: true });
const writeParameters = [queryParameter('dryRun'), queryParameter('fieldManager'), queryParameter('fieldValidation'), queryParameter('pretty')];
const readParameters = [queryParameter('pretty')];

function schemaName(type: ResourceType): string {
  return type.definedBy ? `${type.group.split('.').reverse().join('.')}.${type.version}.${type.kind}` : `io.k8s.api.${type.group.split('.')[0] || 'core'}.${type.version}.${type.kind}`;
}

// Query parameters sit on each operation, where kubectl looks for `fieldValidation`.
function operation(type: ResourceType, action: string, verb: string, parameters: JsonObject[]): JsonObject {
  return {
    operationId: `${verb}${type.kind}`,
    parameters,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: type.group, version: type.version, kind: type.kind },
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName(type)}` } } } } },
  };
}

/** `/openapi/v3/apis/{group}/{version}` (or `api/v1`), undefined when the version is not served. */
export function openApiDocument(registry: ResourceTypeRegistry, group: string, version: string): JsonObject | undefined {
  const types = registry.groupVersion(group, version);
  if (!types) return undefined;
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  for (const type of types) {
    const base = `/${documentPath(type)}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.resource}`;
    const pathParameters = [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, ...(type.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : [])];
    paths[base] = {
      get: operation(type, 'list', 'list', readParameters),
      post: operation(type, 'post', 'create', writeParameters),
      delete: operation(type, 'deletecollection', 'deleteCollection', writeParameters),
      parameters: pathParameters.slice(1),
    };
    paths[`${base}/{name}`] = {
      get: operation(type, 'get', 'read', readParameters),
      put: operation(type, 'put', 'replace', writeParameters),
      patch: operation(type, 'patch', 'patch', [...writeParameters, queryParameter('force', 'boolean')]),
      delete: operation(type, 'delete', 'delete', writeParameters),
      parameters: pathParameters,
    };
    const properties: JsonObject = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      spec: type.structuralSchema?.properties?.spec ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      status: type.structuralSchema?.properties?.status ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    };
    schemas[schemaName(type)] = {
      type: 'object',
      properties,
      'x-kubernetes-group-version-kind': [{ group: type.group, version: type.version, kind: type.kind }],
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: `v1.33.0 (${group ? apiVersionOf({ group, version }) : version})` }, paths, components: { schemas } };
}
