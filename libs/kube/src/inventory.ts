import { formatIdentity, type ObjectIdentity } from '@capstan/manifest';
import type { ChangeSet } from '@capstan/vocabulary';

/** The objects Capstan applied for one application: what prune may ever delete. */
export interface Inventory {
  objects: ObjectIdentity[];
}

const keyOf = (identity: ObjectIdentity) => `${identity.group}|${identity.kind}|${identity.namespace}|${identity.name}`;

/** Objects in `previous` that `next` no longer has: candidates for prune. */
export function inventoryDiff(previous: Inventory, next: Inventory): ObjectIdentity[] {
  const kept = new Set(next.objects.map(keyOf));
  return previous.objects.filter((identity) => !kept.has(keyOf(identity)));
}

/**
 * The inventory after applying `desired` (what git has now) and pruning what left git (`pruned`,
 * null when prune is off), so that nothing Capstan created is ever forgotten: every object
 * applied; every object of the previous inventory git still has, whatever became of its apply
 * this time (failed, or skipped after a failed wait: it may exist from an earlier apply); and
 * every object that left git but was not deleted (prune off, or its deletion failed). Objects
 * prune skipped because Capstan does not manage them are forgotten.
 */
export function nextInventory(previous: Inventory, desired: readonly ObjectIdentity[], applied: ChangeSet, pruned: ChangeSet | null): Inventory {
  const inGit = new Set(desired.map(keyOf));
  const appliedNow = applied.entries.filter((entry) => entry.action !== 'failed' && entry.action !== 'skipped').map((entry) => entry.object);
  const forgotten = new Set((pruned?.entries ?? []).filter((entry) => entry.action === 'deleted' || entry.action === 'skipped').map((entry) => keyOf(entry.object)));
  const kept = previous.objects.filter((identity) => inGit.has(keyOf(identity)) || !forgotten.has(keyOf(identity)));
  const objects = [...appliedNow, ...kept].filter((identity, index, all) => all.findIndex((other) => keyOf(other) === keyOf(identity)) === index);
  return { objects: objects.sort((a, b) => formatIdentity(a).localeCompare(formatIdentity(b))) };
}
