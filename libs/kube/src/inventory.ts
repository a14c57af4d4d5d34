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
 * The inventory after an apply and prune: the objects applied, plus those that should have gone
 * but failed to delete or were left (prune off), so nothing Capstan created is ever forgotten.
 */
export function nextInventory(applied: readonly ObjectIdentity[], stale: readonly ObjectIdentity[], pruned: ChangeSet | null): Inventory {
  const deleted = new Set((pruned?.entries ?? []).filter((entry) => entry.action === 'deleted' || entry.action === 'skipped').map((entry) => keyOf(entry.object)));
  const kept = stale.filter((identity) => !deleted.has(keyOf(identity)));
  const objects = [...applied, ...kept].filter((identity, index, all) => all.findIndex((other) => keyOf(other) === keyOf(identity)) === index);
  return { objects: objects.sort((a, b) => formatIdentity(a).localeCompare(formatIdentity(b))) };
}
