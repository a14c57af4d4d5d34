import { formatIdentity, identityOf, type JsonObject, type ObjectIdentity } from '@capstan/manifest';
import { PatchStrategy } from '@kubernetes/client-node';
import { apiMessageOf, statusCodeOf } from './api-errors';
import type { ChangeSet, ChangeSetEntry } from './change-set';
import { waitForReady } from './manager-wait';
import { asKubernetesObject, referenceTo } from './object-ref';
import type { ResourceManager } from './resource-manager';

/** Kinds others depend on: applied first, and waited for, before the rest. */
const stagedKinds = new Set(['CustomResourceDefinition', 'Namespace']);

/**
 * Server-side applies `objects` (field manager from the options, conflicts forced) in two stages:
 * CRDs and Namespaces first, waited for until established or active, then everything else.
 * An object the API refuses is reported failed with the server's message; the others still apply.
 */
export async function applyAllStaged(manager: ResourceManager, objects: readonly JsonObject[]): Promise<ChangeSet> {
  const first = objects.filter((object) => stagedKinds.has(String(object['kind'])));
  const rest = objects.filter((object) => !stagedKinds.has(String(object['kind'])));
  const staged = await applyAll(manager, first);
  const ready = staged.entries.filter((entry) => entry.action !== 'failed').map((entry) => entry.object);
  let waitFailure: string | null = null;
  if (ready.length > 0) await waitForReady(manager, ready).catch((error: Error) => (waitFailure = error.message));
  if (waitFailure) {
    return { entries: [...staged.entries, ...rest.map((object) => skipped(identityOf(object), `not applied: ${waitFailure}`))] };
  }
  const applied = await applyAll(manager, rest);
  return { entries: [...staged.entries, ...applied.entries] };
}

/** Server-side applies each object, concurrently, and reports what changed. */
export async function applyAll(manager: ResourceManager, objects: readonly JsonObject[]): Promise<ChangeSet> {
  return { entries: await Promise.all(objects.map((object) => applyOne(manager, object))) };
}

async function applyOne(manager: ResourceManager, object: JsonObject): Promise<ChangeSetEntry> {
  const identity = identityOf(object);
  const subject = formatIdentity(identity);
  try {
    const before = await manager.client.read(referenceTo(identity)).catch((error: unknown) => {
      if (statusCodeOf(error) === 404) return null;
      throw error;
    });
    const after = await manager.client.patch(asKubernetesObject(object), undefined, undefined, manager.options.fieldManager, true, PatchStrategy.ServerSideApply);
    const action = before === null ? 'created' : before.metadata?.resourceVersion === after.metadata?.resourceVersion ? 'unchanged' : 'configured';
    return { object: identity, subject, action };
  } catch (error) {
    return { object: identity, subject, action: 'failed', message: apiMessageOf(error) };
  }
}

function skipped(identity: ObjectIdentity, message: string): ChangeSetEntry {
  return { object: identity, subject: formatIdentity(identity), action: 'skipped', message };
}
