/**
 * Server-side printing: the `meta.k8s.io` Table (what `kubectl get` asks for) and
 * PartialObjectMetadata views of objects.
 */
import { isPlainObject, valueAtPath, type JsonObject } from './json';
import { metadataOf } from './object-meta';
import type { ResourceType } from './resource-types';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  cell(object: JsonObject): unknown;
}

/** How long ago `time` was, as kubectl prints ages (`42s`, `5m10s`, `3h`, `2d4h`). */
export function humanAge(time: unknown, now = Date.now()): string {
  const started = typeof time === 'string' ? Date.parse(time) : NaN;
  if (Number.isNaN(started)) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - started) / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (hours < 3) return `${minutes}m`;
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  return `${days}d`;
}

const at = (path: string) => (object: JsonObject) => valueAtPath(object, path.split('.'));
const count = (path: string) => (object: JsonObject) => (at(path)(object) as number | undefined) ?? 0;
const ratio = (ready: string, desired: string) => (object: JsonObject) => `${count(ready)(object)}/${count(desired)(object)}`;
const size = (path: string) => (object: JsonObject) => {
  const value = at(path)(object);
  return isPlainObject(value) ? Object.keys(value).length : 0;
};

const nameColumn: Column = { name: 'Name', type: 'string', format: 'name', cell: at('metadata.name') };
const ageColumn: Column = { name: 'Age', type: 'string', cell: (object) => humanAge(metadataOf(object).creationTimestamp) };

function servicePorts(object: JsonObject): string {
  const ports = at('spec.ports')(object);
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports.map((port: JsonObject) => `${port.port}${port.nodePort ? `:${port.nodePort}` : ''}/${port.protocol ?? 'TCP'}`).join(',');
}

function externalIp(object: JsonObject): string {
  const ingress = at('status.loadBalancer.ingress')(object);
  if (Array.isArray(ingress) && ingress.length > 0) return ingress.map((entry: JsonObject) => entry.ip ?? entry.hostname).join(',');
  return at('spec.type')(object) === 'LoadBalancer' ? '<pending>' : '<none>';
}

function podReady(object: JsonObject): string {
  const statuses = at('status.containerStatuses')(object);
  const containers = at('spec.containers')(object);
  const ready = Array.isArray(statuses) ? statuses.filter((status: JsonObject) => status.ready === true).length : 0;
  return `${ready}/${Array.isArray(containers) ? containers.length : 0}`;
}

function jobStatus(object: JsonObject): string {
  const conditions = at('status.conditions')(object);
  const hasCondition = (type: string) => Array.isArray(conditions) && conditions.some((condition: JsonObject) => condition.type === type && condition.status === 'True');
  if (hasCondition('Complete')) return 'Complete';
  if (hasCondition('Failed')) return 'Failed';
  return 'Running';
}

const builtinColumns: Record<string, Column[]> = {
  Namespace: [{ name: 'Status', type: 'string', cell: at('status.phase') }],
  ConfigMap: [{ name: 'Data', type: 'integer', cell: (object) => size('data')(object) + size('binaryData')(object) }],
  Secret: [
    { name: 'Type', type: 'string', cell: at('type') },
    { name: 'Data', type: 'integer', cell: size('data') },
  ],
  Service: [
    { name: 'Type', type: 'string', cell: at('spec.type') },
    { name: 'Cluster-IP', type: 'string', cell: at('spec.clusterIP') },
    { name: 'External-IP', type: 'string', cell: externalIp },
    { name: 'Port(s)', type: 'string', cell: servicePorts },
  ],
  Pod: [
    { name: 'Ready', type: 'string', cell: podReady },
    { name: 'Status', type: 'string', cell: at('status.phase') },
    { name: 'Restarts', type: 'integer', cell: () => 0 },
  ],
  Deployment: [
    { name: 'Ready', type: 'string', cell: ratio('status.readyReplicas', 'spec.replicas') },
    { name: 'Up-to-date', type: 'integer', cell: count('status.updatedReplicas') },
    { name: 'Available', type: 'integer', cell: count('status.availableReplicas') },
  ],
  StatefulSet: [{ name: 'Ready', type: 'string', cell: ratio('status.readyReplicas', 'spec.replicas') }],
  ReplicaSet: [
    { name: 'Desired', type: 'integer', cell: count('spec.replicas') },
    { name: 'Current', type: 'integer', cell: count('status.replicas') },
    { name: 'Ready', type: 'integer', cell: count('status.readyReplicas') },
  ],
  DaemonSet: [
    { name: 'Desired', type: 'integer', cell: count('status.desiredNumberScheduled') },
    { name: 'Current', type: 'integer', cell: count('status.currentNumberScheduled') },
    { name: 'Ready', type: 'integer', cell: count('status.numberReady') },
    { name: 'Up-to-date', type: 'integer', cell: count('status.updatedNumberScheduled') },
    { name: 'Available', type: 'integer', cell: count('status.numberAvailable') },
  ],
  Job: [
    { name: 'Status', type: 'string', cell: jobStatus },
    { name: 'Completions', type: 'string', cell: ratio('status.succeeded', 'spec.completions') },
  ],
  PersistentVolumeClaim: [{ name: 'Status', type: 'string', cell: at('status.phase') }],
};

function columnsOf(type: ResourceType): Column[] {
  if (!type.definedBy) return [nameColumn, ...(builtinColumns[type.kind] ?? []), ageColumn];
  const custom = (type.printerColumns ?? []).map((column): Column => {
    const path = String(column.jsonPath ?? '').replace(/^\./, '');
    return { name: String(column.name), type: column.type === 'integer' ? 'integer' : column.type === 'date' ? 'date' : 'string', cell: at(path) };
  });
  return [nameColumn, ...custom, ageColumn];
}

/** The PartialObjectMetadata view of an object. */
export function partialObjectMetadata(object: JsonObject): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: metadataOf(object) };
}

/**
 * A Table of `objects` with the kind's columns (a CRD's additionalPrinterColumns for custom
 * resources); rows carry the full object or its metadata as `includeObject` asks.
 */
export function tableOf(
  type: ResourceType,
  objects: JsonObject[],
  options: { apiVersion: string; listMetadata?: JsonObject; includeObject?: string },
): JsonObject {
  const columns = columnsOf(type);
  const rows = objects.map((object) => {
    const row: JsonObject = { cells: columns.map((column) => column.cell(object) ?? (column.type === 'integer' ? 0 : '<none>')) };
    if (options.includeObject === 'Object') row.object = object;
    else if (options.includeObject !== 'None') row.object = partialObjectMetadata(object);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: options.apiVersion,
    metadata: options.listMetadata ?? {},
    columnDefinitions: columns.map((column) => ({ name: column.name, type: column.type, format: column.format ?? '', description: '', priority: 0 })),
    rows,
  };
}
