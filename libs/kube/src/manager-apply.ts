import { withLiveIgnoredFields } from '@capstan/diff';
import { canonicalJson, formatIdentity, identityOf, type JsonObject, type JsonValue, type ObjectIdentity } from '@capstan/manifest';
import { type KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import { apiMessageOf, statusCodeOf } from './api-errors';
import type { ChangeSet, ChangeSetEntry, IgnoreRule } from '@capstan/vocabulary';
import { waitForReady } from './manager-wait';
import { asKubernetesObject, referenceTo } from './object-ref';
import type { ResourceManager } from './resource-manager';

/** Kinds others depend on: applied first, and waited for, before the rest. */
const stagedKinds = new Set(['CustomResourceDefinition', 'Namespace']);

/** How objects are applied. */
export interface ApplyOptions {
  /** Fields other controllers own: applied with their live values once an object exists, so an apply never takes them back. */
  ignore?: readonly IgnoreRule[];
  /** Hears each object as the API server left it: the apply's answer, or the object as it was when the apply changed nothing. */
  observe?: (live: JsonObject) => void;
}

/**
 * Server-side applies `objects` (field manager from the options, conflicts forced) in two stages:
 * CRDs and Namespaces first, waited for until established or active, then everything else.
 * An object the API refuses is reported failed with the server's message; the others still apply.
 */
export async function applyAllStaged(manager: ResourceManager, objects: readonly JsonObject[], options: ApplyOptions = {}): Promise<ChangeSet> {
  const first = objects.filter((object) => stagedKinds.has(String(object['kind'])));
  const rest = objects.filter((object) => !stagedKinds.has(String(object['kind'])));
  const staged = await applyAll(manager, first, options);
  const ready = staged.entries.filter((entry) => entry.action !== 'failed').map((entry) => entry.object);
  let waitFailure: string | null = null;
  if (ready.length > 0) await waitForReady(manager, ready).catch((error: Error) => (waitFailure = error.message));
  if (waitFailure) {
    return { entries: [...staged.entries, ...rest.map((object) => skipped(identityOf(object), `not applied: ${waitFailure}`))] };
  }
  const applied = await applyAll(manager, rest, options);
  return { entries: [...staged.entries, ...applied.entries] };
}

/** Server-side applies each object, concurrently, and reports what changed. */
export async function applyAll(manager: ResourceManager, objects: readonly JsonObject[], options: ApplyOptions = {}): Promise<ChangeSet> {
  return { entries: await Promise.all(objects.map((object) => applyOne(manager, object, options))) };
}

async function applyOne(manager: ResourceManager, object: JsonObject, options: ApplyOptions): Promise<ChangeSetEntry> {
  const identity = identityOf(object);
  const subject = formatIdentity(identity);
  try {
    const before = await manager.client.read(referenceTo(identity)).catch((error: unknown) => {
      if (statusCodeOf(error) === 404) return null;
      throw error;
    });
    const manifest = withLiveIgnoredFields(object, before as unknown as JsonObject | null, options.ignore ?? []);
    const apply = (dryRun?: 'All') => manager.client.patch(asKubernetesObject(manifest), undefined, dryRun, manager.options.fieldManager, true, PatchStrategy.ServerSideApply);
    const observed = (live: KubernetesObject) => options.observe?.(live as unknown as JsonObject);
    if (before === null) {
      observed(await apply());
      return { object: identity, subject, action: 'created' };
    }
    // A dry run says what the apply would make; comparing it with the object (not resourceVersions,
    // which controllers' status writes also bump) tells an unchanged object from a configured one.
    if (sameContent(await apply('All'), before)) {
      observed(before);
      return { object: identity, subject, action: 'unchanged' };
    }
    observed(await apply());
    return { object: identity, subject, action: 'configured' };
  } catch (error) {
    return { object: identity, subject, action: 'failed', message: apiMessageOf(error) };
  }
}

/** Whether two versions of an object hold the same content, leaving aside what the server writes itself. */
function sameContent(a: KubernetesObject, b: KubernetesObject): boolean {
  const content = (object: KubernetesObject) => {
    const { status: _status, metadata = {}, ...rest } = object as KubernetesObject & { status?: unknown };
    const { resourceVersion: _version, managedFields: _managed, generation: _generation, ...meta } = metadata;
    return canonicalJson({ ...rest, metadata: meta } as unknown as JsonValue);
  };
  return content(a) === content(b);
}

function skipped(identity: ObjectIdentity, message: string): ChangeSetEntry {
  return { object: identity, subject: formatIdentity(identity), action: 'skipped', message };
}
