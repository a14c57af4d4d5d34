/**
 * `metadata.managedFields`: which manager owns which fields, per operation, and how an
 * Update-operation write (PUT, non-apply PATCH, create) moves ownership.
 */
import { FieldSet, type FieldsV1 } from './field-set';
import type { Comparison } from './typed-value';
import { isPlainObject, type JsonObject } from './json';

export type ManagedFieldsOperation = 'Apply' | 'Update';

/** One entry of `metadata.managedFields`, as the API server writes it. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

/** Who writes: the field manager, its operation, the API version it used and the subresource. */
export interface WriterIdentity {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion: string;
  subresource?: string;
}

/** A manager's owned fields, decoded. */
export interface ManagerFields extends WriterIdentity {
  time?: string;
  set: FieldSet;
}

/** Managers are told apart by name, operation and subresource; Update managers also by API version. */
export function managerKey(identity: WriterIdentity): string {
  return JSON.stringify([identity.manager, identity.operation, identity.operation === 'Update' ? identity.apiVersion : '', identity.subresource ?? '']);
}

/** How conflicts name a manager: `"kubectl-edit" using apps/v1`. */
export function describeManager(identity: WriterIdentity): string {
  let text = JSON.stringify(identity.manager);
  if (identity.subresource) text += ` with subresource ${JSON.stringify(identity.subresource)}`;
  if (identity.operation === 'Update') text += ` using ${identity.apiVersion}`;
  return text;
}

/** Decodes `metadata.managedFields`, skipping entries that are not FieldsV1. */
export function decodeManagedFields(entries: unknown): ManagerFields[] {
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((entry): entry is ManagedFieldsEntry => isPlainObject(entry) && typeof entry.manager === 'string' && (entry.operation === 'Apply' || entry.operation === 'Update'))
    .map((entry) => ({
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      subresource: entry.subresource || undefined,
      time: entry.time,
      set: FieldSet.fromFieldsV1(entry.fieldsV1),
    }));
}

/** Encodes managers in the API server's order: Apply before Update, then by time, name, version, subresource. */
export function encodeManagedFields(managers: readonly ManagerFields[]): ManagedFieldsEntry[] {
  const sorted = managers
    .filter((fields) => !fields.set.isEmpty())
    .sort(
      (p, q) =>
        p.operation.localeCompare(q.operation) ||
        Math.floor(Date.parse(p.time ?? '') / 1000 || 0) - Math.floor(Date.parse(q.time ?? '') / 1000 || 0) ||
        p.manager.localeCompare(q.manager) ||
        p.apiVersion.localeCompare(q.apiVersion) ||
        (p.subresource ?? '').localeCompare(q.subresource ?? ''),
    );
  return sorted.map((fields) => {
    const entry: ManagedFieldsEntry = { manager: fields.manager, operation: fields.operation, apiVersion: fields.apiVersion, time: fields.time, fieldsType: 'FieldsV1', fieldsV1: fields.set.toFieldsV1() };
    if (!fields.time) delete entry.time;
    if (fields.subresource) entry.subresource = fields.subresource;
    return entry;
  });
}

/** Whether two decoded manager lists own the same fields (times aside). */
export function sameOwnership(a: readonly ManagerFields[], b: readonly ManagerFields[]): boolean {
  if (a.length !== b.length) return false;
  const byKey = new Map(b.map((fields) => [managerKey(fields), fields]));
  return a.every((fields) => {
    const other = byKey.get(managerKey(fields));
    return other !== undefined && other.set.equals(fields.set);
  });
}

/**
 * Ownership after a write by `writer` that changed the object as `comparison` says: other
 * managers lose what the writer changed or removed (an Update never conflicts), the writer gains
 * what it changed and added. The writer's own entry is handled by the caller for Apply.
 */
export function transferOwnership(managers: readonly ManagerFields[], writer: WriterIdentity, comparison: Comparison, now: string): ManagerFields[] {
  const changed = comparison.modified.union(comparison.added);
  const writerKey = managerKey(writer);
  const result: ManagerFields[] = [];
  let own: ManagerFields | undefined;
  for (const fields of managers) {
    if (managerKey(fields) === writerKey) {
      own = fields;
      continue;
    }
    const set = fields.set.difference(changed).difference(comparison.removed);
    if (!set.isEmpty()) result.push({ ...fields, set });
  }
  if (writer.operation === 'Update') {
    const set = (own?.set ?? new FieldSet()).difference(comparison.removed).union(changed);
    if (!set.isEmpty()) result.push({ ...writer, time: now, set });
  } else if (own) {
    result.push(own);
  }
  return result;
}

// Identity and bookkeeping fields the field manager never tracks (apiserver's stripMeta).
const untrackedMetadata = ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'generation', 'selfLink', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName'];

/**
 * The part of an object whose ownership is tracked for a write to `subresource`: a status
 * write tracks only `status`; a main-resource write of a kind with a status subresource never
 * tracks `status`.
 */
export function trackedView(object: JsonObject, subresource: string | undefined, statusIsSubresource: boolean): JsonObject {
  if (subresource === 'status') return object.status === undefined ? {} : { status: object.status };
  const view: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind' || (key === 'status' && statusIsSubresource)) continue;
    if (key === 'metadata' && isPlainObject(value)) {
      const metadata: JsonObject = {};
      for (const [field, fieldValue] of Object.entries(value)) if (!untrackedMetadata.includes(field)) metadata[field] = fieldValue;
      if (Object.keys(metadata).length > 0) view.metadata = metadata;
      continue;
    }
    view[key] = value;
  }
  return view;
}
