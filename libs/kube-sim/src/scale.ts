/** The `scale` subresource: an `autoscaling/v1` Scale view of a workload's replica count. */
import type { SimulatedCluster, WriteOptions } from './cluster';
import { badRequest, unsupportedMediaType } from './errors';
import { clone, isPlainObject, valueAtPath, type JsonObject } from './json';
import { metadataOf, nameOf, namespaceOf } from './object-meta';
import { applyNonApplyPatch, type PatchType } from './patch';
import type { ResourceType, ScaleSubresource } from './resource-types';
import { formatLabelSelector, labelSelectorFromObject } from '@capstan/manifest';

function pathOf(jsonPath: string): string[] {
  return jsonPath.replace(/^\./, '').split('.');
}

/** The Scale object of a workload. */
export function scaleOf(scale: ScaleSubresource, object: JsonObject): JsonObject {
  const metadata = metadataOf(object);
  const status: JsonObject = { replicas: valueAtPath(object, pathOf(scale.statusReplicasPath)) ?? 0 };
  const selector = scale.labelSelectorPath ? valueAtPath(object, pathOf(scale.labelSelectorPath)) : undefined;
  const specSelector = valueAtPath(object, ['spec', 'selector']);
  if (typeof selector === 'string') status.selector = selector;
  else if (isPlainObject(specSelector)) status.selector = formatLabelSelector(labelSelectorFromObject(specSelector));
  const scaleMetadata: JsonObject = { name: metadata.name, uid: metadata.uid, resourceVersion: metadata.resourceVersion, creationTimestamp: metadata.creationTimestamp };
  if (metadata.namespace) scaleMetadata.namespace = metadata.namespace;
  return { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: scaleMetadata, spec: { replicas: valueAtPath(object, pathOf(scale.specReplicasPath)) ?? 0 }, status };
}

function requireScale(type: ResourceType): ScaleSubresource {
  if (!type.scale) throw badRequest(`${type.resource} has no scale subresource`);
  return type.scale;
}

/** GET …/scale. */
export function readScale(cluster: SimulatedCluster, type: ResourceType, namespace: string, name: string): JsonObject {
  return scaleOf(requireScale(type), cluster.existing(type, namespace, name));
}

/** PUT …/scale: sets the replica count (409 on a stale `metadata.resourceVersion`). */
export function writeScale(cluster: SimulatedCluster, type: ResourceType, namespace: string, name: string, scale: JsonObject, options: WriteOptions): JsonObject {
  const subresource = requireScale(type);
  const existing = cluster.existing(type, namespace, name);
  const replicas = isPlainObject(scale.spec) ? scale.spec.replicas : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) throw badRequest('spec.replicas: must be a non-negative integer');
  const candidate = clone(existing);
  const path = pathOf(subresource.specReplicasPath);
  let node = candidate;
  for (const field of path.slice(0, -1)) {
    if (!isPlainObject(node[field])) node[field] = {};
    node = node[field] as JsonObject;
  }
  node[path[path.length - 1]] = replicas;
  const requestedVersion = metadataOf(scale).resourceVersion;
  metadataOf(candidate).resourceVersion = requestedVersion || metadataOf(existing).resourceVersion;
  const updated = cluster.update(type, namespaceOf(existing), nameOf(existing), candidate, options, 'scale');
  return scaleOf(subresource, updated);
}

/** PATCH …/scale with a merge, JSON or strategic merge patch of the Scale object. */
export function patchScale(cluster: SimulatedCluster, type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown, options: WriteOptions): JsonObject {
  if (patchType === 'apply') throw unsupportedMediaType('application/apply-patch+yaml');
  const current = readScale(cluster, type, namespace, name);
  const patched = applyNonApplyPatch(current, patchType, patch, false);
  return writeScale(cluster, type, namespace, name, patched, options);
}
