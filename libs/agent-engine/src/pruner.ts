import { formatIdentity, type ObjectIdentity } from '@capstan/manifest';
import { deleteAll, type InventoryStore, inventoryDiff, nextInventory, type ResourceManager } from '@capstan/kube';
import type { ChangeSet } from '@capstan/vocabulary';

/**
 * The prune reconciler: deletes what Capstan applied and git no longer has, only ever objects of
 * the application's inventory, and keeps in the inventory what it could not delete, so a later
 * prune tries again.
 */
export class Pruner {
  constructor(
    private readonly resources: ResourceManager,
    private readonly inventories: InventoryStore,
  ) {}

  /**
   * After an apply of `desired`: deletes (when `prune` is on; else reports as skipped) the objects
   * the previous inventory has and git no longer does, and records the next inventory.
   */
  async prune(application: string, desired: readonly ObjectIdentity[], applied: ChangeSet, prune: boolean): Promise<ChangeSet> {
    const previous = await this.inventories.read(application);
    const stale = inventoryDiff(previous, { objects: [...desired] });
    const pruned = prune ? await deleteAll(this.resources, stale) : null;
    await this.inventories.write(application, nextInventory(previous, desired, applied, pruned));
    if (pruned) return pruned;
    return { entries: stale.map((object) => ({ object, subject: formatIdentity(object), action: 'skipped', message: 'no longer in git; left in place because prune is off' })) };
  }

  /** An application leaves the cluster: with prune on every object of its inventory is deleted; the inventory goes once nothing is left in it. */
  async retire(application: string, prune: boolean): Promise<ChangeSet> {
    if (!prune) return { entries: [] };
    const inventory = await this.inventories.read(application);
    const deleted = await deleteAll(this.resources, inventory.objects);
    const left = nextInventory(inventory, [], { entries: [] }, deleted);
    if (left.objects.length) await this.inventories.write(application, left);
    else await this.inventories.remove(application);
    return deleted;
  }
}
