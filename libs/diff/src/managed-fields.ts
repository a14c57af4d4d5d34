import { isJsonObject, type JsonObject, type JsonValue } from '@capstan/manifest';

/** One step into an object: a field, a list item by its merge key, or a member of a set of primitives. */
export type PathSegment = { field: string } | { key: JsonObject } | { value: JsonValue } | { index: number };

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
  fieldsV1?: JsonObject;
}

function managedFieldsOf(live: JsonObject): ManagedFieldsEntry[] {
  const metadata = isJsonObject(live['metadata']) ? live['metadata'] : {};
  return Array.isArray(metadata['managedFields']) ? (metadata['managedFields'] as ManagedFieldsEntry[]) : [];
}

function child(fields: JsonObject, segment: PathSegment): JsonObject | null {
  if ('field' in segment) {
    const next = fields[`f:${segment.field}`];
    return isJsonObject(next) ? next : null;
  }
  if ('value' in segment) {
    const next = fields[`v:${JSON.stringify(segment.value)}`];
    return isJsonObject(next) ? next : null;
  }
  if ('index' in segment) {
    const next = fields[`i:${segment.index}`];
    return isJsonObject(next) ? next : null;
  }
  // FieldsV1 names list items by all their key fields (e.g. containerPort and protocol): match those it names.
  for (const [name, next] of Object.entries(fields)) {
    if (!name.startsWith('k:') || !isJsonObject(next)) continue;
    const keys = JSON.parse(name.slice(2)) as JsonObject;
    if (Object.entries(segment.key).every(([key, value]) => !(key in keys) || JSON.stringify(keys[key]) === JSON.stringify(value))) return next;
  }
  return null;
}

/** Whether a FieldsV1 set owns the field at `path` or anything under it. */
function owns(fieldsV1: JsonObject, path: readonly PathSegment[]): boolean {
  let fields: JsonObject | null = fieldsV1;
  for (const segment of path) {
    fields = fields && child(fields, segment);
    if (!fields) return false;
  }
  return true;
}

/** The field managers that own the field at `path` in a live object, from its `metadata.managedFields`: whoever changed a field last owns it. */
export function fieldManagers(live: JsonObject, path: readonly PathSegment[]): string[] {
  return managedFieldsOf(live)
    .filter((entry) => entry.manager && isJsonObject(entry.fieldsV1) && owns(entry.fieldsV1, path))
    .map((entry) => entry.manager as string)
    .filter((manager, index, all) => all.indexOf(manager) === index);
}

/** The field managers other than `self` that own the field at `path` in a live object. */
export function fieldOwners(live: JsonObject, path: readonly PathSegment[], self: string): string[] {
  return fieldManagers(live, path).filter((manager) => manager !== self);
}

/** The manager that wrote the object's content first (status writers aside): who created it, for an object just created. */
export function creatorOf(live: JsonObject): string | null {
  const writers = managedFieldsOf(live).filter((entry) => entry.manager && !entry.subresource);
  const first = writers.reduce<ManagedFieldsEntry | null>((earliest, entry) => (!earliest || Date.parse(entry.time ?? '') < Date.parse(earliest.time ?? '') ? entry : earliest), null);
  return first?.manager ?? null;
}

/** The manager of the most recent write other than `self`: who most likely removed a field nobody owns now. */
export function lastWriter(live: JsonObject, self: string): string | null {
  const others = managedFieldsOf(live).filter((entry) => entry.manager && entry.manager !== self && entry.operation === 'Update');
  others.sort((a, b) => Date.parse(b.time ?? '') - Date.parse(a.time ?? ''));
  return others[0]?.manager ?? null;
}
