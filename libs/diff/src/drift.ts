import { formatIdentity, identityOf, isJsonObject, type JsonObject, type JsonValue, mergeRulesOf, type ObjectIdentity, rootMergeType } from '@capstan/manifest';
import { capstanFieldManager, type IgnoreRule } from '@capstan/vocabulary';
import { ignoredPointers, isIgnored } from './ignore-rules';
import { pathAt } from './field-path';
import { creatorOf, fieldManagers, fieldOwners, lastWriter, type PathSegment } from './managed-fields';
import { sameQuantity } from './quantity';

/** One field whose live value is not what git says. */
export interface FieldDrift {
  /** Readable path, e.g. `spec.template.spec.containers[name=web].image`. */
  path: string;
  /** JSON pointer into the desired manifest, as ignore rules name fields. */
  pointer: string;
  desired: JsonValue;
  /** The live value; undefined when the field is gone. */
  live: JsonValue | undefined;
  /** The field manager that owns the field now (e.g. `kubectl-edit`), or null when nobody does. */
  changedBy: string | null;
}

/** How a live object differs from its desired manifest on the fields Capstan owns. */
export interface ObjectDrift {
  object: ObjectIdentity;
  /** `Kind/namespace/name`. */
  subject: string;
  /** The object no longer exists. */
  deleted: boolean;
  fields: FieldDrift[];
}

export interface DriftOptions {
  /** Fields to leave alone. */
  ignore?: readonly IgnoreRule[];
  /** Capstan's own field manager, never blamed for drift. */
  manager?: string;
}

/** Metadata the API server writes; never part of what Capstan owns. */
const serverMetadata = new Set(['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

/**
 * Compares a live object with its desired manifest. Only fields the manifest sets are judged, so
 * server defaults, status and server-written metadata are never drift, and values that differ
 * only in form (`500m` and `0.5`, `1Gi` and `1024Mi`, `"80"` and `80`) are equal. Returns null
 * when there is no drift.
 */
export function detectDrift(desired: JsonObject, live: JsonObject | null | undefined, options: DriftOptions = {}): ObjectDrift | null {
  const object = identityOf(desired);
  const subject = formatIdentity(object);
  if (!live) return { object, subject, deleted: true, fields: [] };
  const manager = options.manager ?? capstanFieldManager;
  const ignored = ignoredPointers(options.ignore ?? [], object);
  const fields: FieldDrift[] = [];
  const report = (path: PathSegment[], pointer: string, desiredValue: JsonValue, liveValue: JsonValue | undefined) => {
    if (isIgnored(pointer, ignored)) return;
    const owners = fieldOwners(live, path, manager);
    fields.push({ path: formatPath(path), pointer, desired: desiredValue, live: liveValue, changedBy: owners[0] ?? (liveValue === undefined ? lastWriter(live, manager) : null) });
  };

  const compareObjects = (want: JsonObject, have: JsonObject, typeName: string | undefined, path: PathSegment[], pointer: string) => {
    const rules = mergeRulesOf(typeName);
    for (const [field, wantValue] of Object.entries(want)) {
      if (path.length === 0 && field === 'status') continue;
      if (path.length === 1 && 'field' in path[0] && path[0].field === 'metadata' && serverMetadata.has(field)) continue;
      compareValues(wantValue, have[field], rules[field], [...path, { field }], `${pointer}/${escapePointer(field)}`);
    }
  };

  const compareValues = (want: JsonValue, have: JsonValue | undefined, rule: { mergeKey?: string; primitiveSet?: boolean; type?: string } | undefined, path: PathSegment[], pointer: string) => {
    if (isIgnored(pointer, ignored)) return;
    if (have === undefined) {
      // An empty desired value the server dropped (`{}` or `[]`) is no difference.
      if (!(isJsonObject(want) && Object.keys(want).length === 0) && !(Array.isArray(want) && want.length === 0) && want !== null) report(path, pointer, want, undefined);
      return;
    }
    if (isJsonObject(want)) {
      if (isJsonObject(have)) compareObjects(want, have, rule?.type, path, pointer);
      else report(path, pointer, want, have);
      return;
    }
    if (Array.isArray(want)) {
      if (!Array.isArray(have)) return report(path, pointer, want, have);
      if (rule?.mergeKey) return compareKeyedList(want, have, rule.mergeKey, rule.type, path, pointer);
      if (rule?.primitiveSet) {
        want.forEach((item, index) => {
          if (!have.some((candidate) => sameScalar(item, candidate))) report([...path, { value: item }], `${pointer}/${index}`, item, undefined);
        });
        return;
      }
      // Lists without a merge key are atomic: the whole list is one value.
      if (want.length !== have.length || want.some((item, index) => !sameAtomic(item, have[index]))) report(path, pointer, want, have);
      return;
    }
    if (!sameScalar(want, have)) report(path, pointer, want, have);
  };

  const compareKeyedList = (want: JsonValue[], have: JsonValue[], mergeKey: string, itemType: string | undefined, path: PathSegment[], pointer: string) => {
    want.forEach((item, index) => {
      if (!isJsonObject(item)) return;
      const key = { [mergeKey]: item[mergeKey] } as JsonObject;
      const itemPath: PathSegment[] = [...path, { key }];
      const match = have.find((candidate) => isJsonObject(candidate) && sameScalar(candidate[mergeKey] ?? null, item[mergeKey] ?? null));
      if (!isJsonObject(match)) report(itemPath, `${pointer}/${index}`, item, undefined);
      else compareObjects(item, match, itemType, itemPath, `${pointer}/${index}`);
    });
  };

  compareObjects(desired, live, rootMergeType(object.kind), [], '');
  return fields.length ? { object, subject, deleted: false, fields } : null;
}

/**
 * Who ended a drift, now that `live` matches `desired` again: the field manager that owns the fields
 * that had drifted (Capstan's own, e.g. `capstan`, when its apply put them back; `kubectl-edit` when
 * someone reverted by hand), or for a deleted object that came back, the manager that created it.
 * Fields git no longer sets, or that ignore rules now give to others, were ended by Capstan's new
 * desired state.
 */
export function restoredBy(desired: JsonObject, live: JsonObject, ended: ObjectDrift, options: DriftOptions = {}): string {
  const manager = options.manager ?? capstanFieldManager;
  if (ended.deleted) return creatorOf(live) ?? manager;
  const ignored = ignoredPointers(options.ignore ?? [], ended.object);
  const owners = ended.fields.map((field) => {
    const path = isIgnored(field.pointer, ignored) ? null : pathAt(desired, field.pointer);
    if (!path) return manager;
    const managers = fieldManagers(live, path);
    return managers.includes(manager) ? manager : (managers[0] ?? lastWriter(live, manager) ?? manager);
  });
  const counts = new Map<string, number>();
  for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return owners.reduce((most, owner) => ((counts.get(owner) ?? 0) > (counts.get(most) ?? 0) ? owner : most), owners[0] ?? manager);
}

function sameScalar(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) {
    return String(a) === String(b) || sameQuantity(a, b);
  }
  return false;
}

function sameAtomic(a: JsonValue, b: JsonValue | undefined): boolean {
  if (b === undefined) return false;
  if (isJsonObject(a) && isJsonObject(b)) return Object.entries(a).every(([key, value]) => sameAtomic(value, b[key]));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => sameAtomic(item, b[index]));
  return sameScalar(a, b);
}

function escapePointer(field: string): string {
  return field.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `spec.template.spec.containers[name=web].image` */
export function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((segment, index) => {
      if ('field' in segment) return `${index === 0 ? '' : '.'}${segment.field}`;
      if ('key' in segment) return `[${Object.entries(segment.key).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(',')}]`;
      if ('value' in segment) return `[${JSON.stringify(segment.value)}]`;
      return `[${segment.index}]`;
    })
    .join('');
}
