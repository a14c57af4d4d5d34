/**
 * Server-side apply as the API server's field manager runs it: merge the applied configuration
 * into the live object, drop what this manager applied last time and applies no more (unless
 * another manager owns it), refuse to take fields other managers own with other values unless
 * forced, and move ownership.
 */
import { fieldManagerConflict, type StatusCause } from './errors';
import { formatPath } from './field-set';
import type { FieldSchema } from './field-schema';
import type { JsonObject } from './json';
import { describeManager, managerKey, transferOwnership, trackedView, type ManagerFields, type WriterIdentity } from './managed-fields';
import { compareObjects, fieldSetOf, mergeApplied, removeFields } from './typed-value';

export interface ApplyInput {
  /** The stored object, or a skeleton (`apiVersion`, `kind`, name, namespace) when applying creates it. */
  live: JsonObject;
  managers: readonly ManagerFields[];
  applied: JsonObject;
  writer: WriterIdentity;
  force: boolean;
  schema: FieldSchema;
  subresource?: string;
  statusIsSubresource: boolean;
  now: string;
}

export interface ApplyOutput {
  /** The merged object, before defaulting. */
  object: JsonObject;
  managers: ManagerFields[];
}

/** Runs one apply; throws a 409 `Conflict` StatusError naming every conflicting field and manager. */
export function serverSideApply(input: ApplyInput): ApplyOutput {
  const { live, schema, writer } = input;
  const appliedView = trackedView(input.applied, input.subresource, input.statusIsSubresource);
  const appliedSet = fieldSetOf(appliedView, schema);
  const writerKey = managerKey(writer);
  const previous = input.managers.find((fields) => managerKey(fields) === writerKey);

  const managers: ManagerFields[] = input.managers.filter((fields) => managerKey(fields) !== writerKey);
  managers.push({ ...writer, time: input.now, set: appliedSet });

  let merged = mergeApplied(live, appliedView, schema) as JsonObject;
  if (previous) {
    const ownedByAnyone = managers.reduce((owned, fields) => owned.union(fields.set), appliedSet);
    const released = previous.set.difference(ownedByAnyone);
    if (!released.isEmpty()) merged = removeFields(merged, released, ownedByAnyone, schema);
  }

  const comparison = compareObjects(
    trackedView(live, input.subresource, input.statusIsSubresource),
    trackedView(merged, input.subresource, input.statusIsSubresource),
    schema,
  );
  if (!input.force) {
    const changed = comparison.modified.union(comparison.added);
    const causes: StatusCause[] = [];
    for (const fields of managers) {
      if (managerKey(fields) === writerKey) continue;
      const taken = fields.set.intersection(changed);
      for (const path of taken.paths().map(formatPath).sort()) {
        causes.push({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(fields)}`, field: path });
      }
    }
    if (causes.length > 0) throw fieldManagerConflict(causes);
  }
  return { object: merged, managers: transferOwnership(managers, writer, comparison, input.now) };
}
