import { formatIdentity, type ObjectIdentity } from '@capstan/manifest';
import { apiMessageOf, statusCodeOf } from './api-errors';
import type { ChangeSet, ChangeSetEntry } from '@capstan/vocabulary';
import { referenceTo } from './object-ref';
import type { ResourceManager } from './resource-manager';

/**
 * Deletes objects Capstan applied. An object whose fields Capstan's field manager does not own
 * (someone else created or took it over) is skipped, never deleted; one already gone counts as deleted.
 */
export async function deleteAll(manager: ResourceManager, objects: readonly ObjectIdentity[]): Promise<ChangeSet> {
  return { entries: await Promise.all(objects.map((identity) => deleteOne(manager, identity))) };
}

async function deleteOne(manager: ResourceManager, identity: ObjectIdentity): Promise<ChangeSetEntry> {
  const subject = formatIdentity(identity);
  try {
    const live = await manager.client.read(referenceTo(identity));
    const managedByUs = (live.metadata?.managedFields ?? []).some((entry) => entry.manager === manager.options.fieldManager && entry.operation === 'Apply');
    if (!managedByUs) return { object: identity, subject, action: 'skipped', message: `not deleted: field manager ${manager.options.fieldManager} does not manage it` };
    await manager.client.delete(referenceTo(identity), undefined, undefined, undefined, undefined, 'Background');
    return { object: identity, subject, action: 'deleted' };
  } catch (error) {
    if (statusCodeOf(error) === 404) return { object: identity, subject, action: 'deleted', message: 'already gone' };
    return { object: identity, subject, action: 'failed', message: apiMessageOf(error) };
  }
}
