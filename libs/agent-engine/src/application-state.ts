import type { ObjectDrift } from '@capstan/diff';
import { type Health, healthy, unknown, worstHealth } from '@capstan/health';
import { formatIdentity, identityOf, type JsonObject, type ObjectIdentity } from '@capstan/manifest';
import { type ApplicationDesiredState, SyncState } from '@capstan/proto';
import type { ChangeAction, ChangeSet } from '@capstan/vocabulary';

/** Identity as a map key; versions of one kind are the same object. */
export function objectKey(id: ObjectIdentity): string {
  return `${id.group}|${formatIdentity(id)}`;
}

/** Actions after which an object is as Capstan applied it, and so judged for drift. */
const appliedActions: ReadonlySet<ChangeAction> = new Set(['created', 'configured', 'unchanged']);

/** One object git says an application has, and how it was last seen live. */
export class ManagedObject {
  readonly id: ObjectIdentity;
  readonly key: string;
  /** What the last apply did to it; null before its first. */
  action: ChangeAction | null = null;
  /** Its health when last seen; null until seen. */
  health: Health | null = null;
  /** The drift found and told to the hub, until it ends. */
  drift: ObjectDrift | null = null;
  /** The order of the last observation taken in, so that a read started earlier never overwrites a later watch event. */
  observedAt = 0;
  /** How it was last seen while an apply of its application ran (null: gone), to judge once the apply is over; undefined when judged. */
  unjudged: JsonObject | null | undefined = undefined;

  constructor(
    /** What git says it should be. */
    public manifest: JsonObject,
  ) {
    this.id = identityOf(manifest);
    this.key = objectKey(this.id);
  }

  /** Whether Capstan's last apply of it went through, so that how it differs from git now is drift. */
  get applied(): boolean {
    return this.action !== null && appliedActions.has(this.action);
  }

  /** FAILED when its apply failed; OUT_OF_SYNC while it drifts from git or was not applied; else SYNCED. */
  get sync(): SyncState {
    if (this.action === 'failed') return SyncState.FAILED;
    return this.applied && !this.drift ? SyncState.SYNCED : SyncState.OUT_OF_SYNC;
  }
}

/**
 * Everything the agent knows of one application, in one place: the desired state, its objects by
 * key with how each is live, what was applied, and why it cannot be watched. The reconcilers
 * share it; its status is derived from it.
 */
export class ApplicationState {
  /** The latest desired state: its policies and ignore rules hold from the moment it arrives. */
  desired: ApplicationDesiredState;
  /** The bundle the objects come from (its canonical JSON, as cached), so a repeated digest is not fetched again. */
  bundle: { digest: string; json: string } | null = null;
  /** The revision the objects come from: what they are judged against. */
  revision = '';
  /** The bundle digest last applied without failures: the same desired state again changes nothing. */
  appliedDigest: string | null = null;
  /** Whether a deploy was tried: before it there is no status to report. */
  deployed = false;
  /** The objects git says it has, by key, in the bundle's order. */
  readonly objects = new Map<string, ManagedObject>();
  lastChangeSet: ChangeSet = { entries: [] };
  /** Why the last deploy failed; empty when it did not. */
  error = '';
  /** Why some of its objects cannot be watched, per watched kind (as `Deployment in shop`). */
  readonly watchErrors = new Map<string, string>();
  /** Applies running now: drift is judged from what they leave, not while they run. */
  applying = 0;

  constructor(desired: ApplicationDesiredState) {
    this.desired = desired;
  }

  get name(): string {
    return this.desired.application;
  }

  /**
   * Takes git's objects from a new bundle; objects already known keep what was seen of them.
   * Returns the objects git no longer has.
   */
  setObjects(manifests: readonly JsonObject[], revision: string): ManagedObject[] {
    const next = new Map<string, ManagedObject>();
    for (const manifest of manifests) {
      const known = this.objects.get(objectKey(identityOf(manifest)));
      const object = known ?? new ManagedObject(manifest);
      object.manifest = manifest;
      next.set(object.key, object);
    }
    const dropped = [...this.objects.values()].filter((object) => !next.has(object.key));
    this.objects.clear();
    for (const [key, object] of next) this.objects.set(key, object);
    this.revision = revision;
    return dropped;
  }

  /** Records what an apply did to each object. */
  recordApply(changeSet: ChangeSet): void {
    for (const entry of changeSet.entries) {
      const object = this.objects.get(objectKey(entry.object));
      if (object) object.action = entry.action;
    }
  }

  /** FAILED when the last deploy failed; OUT_OF_SYNC while any object is not as git says; else SYNCED. */
  get sync(): SyncState {
    if (this.error) return SyncState.FAILED;
    for (const object of this.objects.values()) if (object.sync !== SyncState.SYNCED) return SyncState.OUT_OF_SYNC;
    return SyncState.SYNCED;
  }

  /** As healthy as its least healthy object; unknown when a deploy failed before there were objects. */
  get health(): Health {
    if (this.objects.size === 0) return this.error ? unknown('') : healthy();
    return worstHealth([...this.objects.values()].map((object) => object.health ?? unknown('not seen yet')));
  }

  /** Every watch error of its objects' kinds, in one line; empty while every watch runs. */
  get watchError(): string {
    return [...this.watchErrors].map(([kind, error]) => `${kind}: ${error}`).join('; ');
  }
}
