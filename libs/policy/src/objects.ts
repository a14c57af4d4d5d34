import { formatIdentity, isClusterScopedKind, splitApiVersion } from '@capstan/manifest';
import type { KubeObject, ViolationSubject } from './types';

/** A JSON object (not null, not an array). */
export type Fields = Record<string, unknown>;

export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when it is an object, else undefined. */
export function fieldsAt(value: unknown, key: string): Fields | undefined {
  const field = isFields(value) ? value[key] : undefined;
  return isFields(field) ? field : undefined;
}

/** `value[key]` when it is an array, else `[]`. */
export function arrayAt(value: unknown, key: string): unknown[] {
  const field = isFields(value) ? value[key] : undefined;
  return Array.isArray(field) ? field : [];
}

/** What names `object` in a violation. */
export function subjectOf(object: KubeObject): ViolationSubject {
  return {
    apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : '',
    kind: typeof object.kind === 'string' ? object.kind : '',
    namespace: typeof object.metadata?.namespace === 'string' ? object.metadata.namespace : '',
    name: typeof object.metadata?.name === 'string' ? object.metadata.name : '',
  };
}

/** `Kind/namespace/name`, as errors and messages name objects. */
export function formatSubject(subject: ViolationSubject): string {
  return formatIdentity(subject);
}

export function groupOf(object: KubeObject): string {
  return splitApiVersion(typeof object.apiVersion === 'string' ? object.apiVersion : '').group;
}

/** The object's labels (only string values count). */
export function labelsOf(object: KubeObject): Record<string, string> {
  const labels = object.metadata?.labels;
  if (!isFields(labels)) return {};
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) if (typeof value === 'string') strings[key] = value;
  return strings;
}

export const isNamespaceObject = (object: KubeObject) => object.kind === 'Namespace' && groupOf(object) === '';

/**
 * The namespace an object is in, for scopes and exemptions: its own name for a Namespace, `''`
 * for other cluster-scoped objects and for namespaced ones that name none.
 */
export function namespaceOf(object: KubeObject): string {
  if (isNamespaceObject(object)) return typeof object.metadata?.name === 'string' ? object.metadata.name : '';
  if (typeof object.kind === 'string' && isClusterScopedKind(object.kind)) return '';
  return typeof object.metadata?.namespace === 'string' ? object.metadata.namespace : '';
}

/** A field path segment for a map key: `.name` when it is a plain identifier, else `['app.kubernetes.io/name']`. */
export function keySegment(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `['${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}
