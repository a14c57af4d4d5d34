import { detectDrift, type ObjectDrift, restoredBy } from '@capstan/diff';
import { healthOf, type KubeObject, unknown } from '@capstan/health';
import { identityOf, type JsonObject, type ObjectIdentity } from '@capstan/manifest';
import { apiMessageOf, type BackoffOptions, defaultWatchBackoff, describeWatchedKind, referenceTo, type ResourceManager, statusCodeOf, watchKind, type WatchedKind, type WatchEventType } from '@capstan/kube';
import { type ApplicationState, type ManagedObject, objectKey } from './application-state';

/** What the monitor tells the agent. */
export interface MonitorHandlers {
  /** A drift not told before (or told again: see `readBack`). */
  drifted(state: ApplicationState, object: ManagedObject, drift: ObjectDrift): void;
  /** A drift told before has ended; `restoredBy` is the field manager that put the object back. */
  resolved(state: ApplicationState, object: ManagedObject, restoredBy: string): void;
  /** What the application's status says may have changed: health, drift, watch errors. */
  changed(state: ApplicationState): void;
}

/** How an object was found: as it is live (null when it does not exist), or not at all. */
type Observation = { live: JsonObject | null } | { error: string };

interface RunningWatch {
  kind: WatchedKind;
  /** Why it cannot watch now; null while it runs. */
  error: string | null;
  stop: () => void;
}

function watchedKindOf(object: ManagedObject): WatchedKind {
  return { apiVersion: String(object.manifest['apiVersion']), kind: object.id.kind, namespace: object.id.namespace };
}

const watchKey = (kind: WatchedKind) => `${kind.apiVersion}|${kind.kind}|${kind.namespace}`;

/**
 * The watch reconciler: watches the kinds of every application's objects and keeps each object's
 * health and drift true to what the cluster says — from watch events as they come, from the API
 * server's answers to applies, and from periodic read-backs. Drift is judged only for objects
 * Capstan applied, and never while an apply of their application runs: `settle` judges what it
 * left, from the newest observation, reading back only objects not seen since the apply began.
 * A read that fails says nothing of drift; only a 404 means the object is gone.
 */
export class Monitor {
  private readonly watches = new Map<string, RunningWatch>();
  /** Counts observations, so each object takes in only ones newer than the last it took. */
  private observations = 0;
  private stopped = false;

  constructor(
    private readonly resources: ResourceManager,
    private readonly applications: () => Iterable<ApplicationState>,
    private readonly handlers: MonitorHandlers,
    private readonly backoff: BackoffOptions = defaultWatchBackoff(),
  ) {}

  /** Watches exactly the kinds the applications' objects need: new ones start, ones no longer needed stop. */
  watchAll(): void {
    if (this.stopped) return;
    const needed = new Map<string, WatchedKind>();
    for (const state of this.applications()) for (const object of state.objects.values()) needed.set(watchKey(watchedKindOf(object)), watchedKindOf(object));
    for (const [key, watch] of this.watches) {
      if (needed.has(key)) continue;
      watch.stop();
      this.watches.delete(key);
    }
    for (const [key, kind] of needed) {
      if (this.watches.has(key)) continue;
      const watch: RunningWatch = { kind, error: null, stop: () => undefined };
      this.watches.set(key, watch);
      watch.stop = watchKind(this.resources, kind, (type, live) => this.onEvent(type, live as unknown as JsonObject), {
        backoff: this.backoff,
        onStatus: (error) => {
          watch.error = error;
          this.refreshWatchErrors();
        },
      });
    }
    this.refreshWatchErrors();
  }

  /**
   * Reads objects back (all of the application's by default) and judges them, whatever watch
   * events said; with `retell`, drift already told is told again (a report may have been lost).
   * Resolves with how each object differs from git, or null when some could not be read.
   */
  async readBack(state: ApplicationState, objects: readonly ManagedObject[] = [...state.objects.values()], retell = false): Promise<ObjectDrift[] | null> {
    const at = ++this.observations;
    const observations = await Promise.all(objects.map(async (object) => ({ object, observation: await this.read(object.id) })));
    const drifts: ObjectDrift[] = [];
    let complete = true;
    for (const { object, observation } of observations) {
      this.observe(state, object, observation, at, retell, false);
      if ('error' in observation) complete = false;
      else {
        // Objects whose apply failed are not drift, but they are not as git says either.
        const drift = object.applied ? object.drift : detectDrift(object.manifest, observation.live, { ignore: state.desired.ignoreRules });
        if (drift) drifts.push(drift);
      }
    }
    // Told once, with every object seen: a status made halfway would say what was never so.
    this.handlers.changed(state);
    return complete ? drifts : null;
  }

  /**
   * What takes in objects as the API server answers an apply starting now: what is live just
   * after, without reading it again. An answer counts as observed when the apply started, as a
   * read-back's does when its reads start: a watch event taken in meanwhile may be newer than the
   * answer (a controller's status write that overtook it), and the watch delivers whatever the
   * apply changed after it anyway, so the answer never overwrites the event.
   */
  applyObserver(state: ApplicationState): (live: JsonObject) => void {
    const at = ++this.observations;
    return (live) => {
      const object = state.objects.get(objectKey(identityOf(live)));
      if (object) this.observe(state, object, { live }, at, false, false);
    };
  }

  /**
   * Judges what an apply left, once it is over: each object from the newest observation taken in
   * while it ran (its apply's answer, or a later watch event); the others (failed, skipped, not
   * seen) are read back. Tells `changed` once.
   */
  async settle(state: ApplicationState, objects: readonly ManagedObject[] = [...state.objects.values()]): Promise<void> {
    const unseen: ManagedObject[] = [];
    for (const object of objects) {
      const live = object.unjudged;
      object.unjudged = undefined;
      if (live === undefined) unseen.push(object);
      else if (object.applied) this.judge(state, object, live, false);
    }
    if (unseen.length > 0) await this.readBack(state, unseen);
    else this.handlers.changed(state);
  }

  stop(): void {
    this.stopped = true;
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
  }

  private onEvent(type: WatchEventType, live: JsonObject): void {
    const at = ++this.observations;
    const key = objectKey(identityOf(live));
    for (const state of this.applications()) {
      const object = state.objects.get(key);
      if (object) this.observe(state, object, { live: type === 'DELETED' ? null : live }, at);
    }
  }

  private observe(state: ApplicationState, object: ManagedObject, observation: Observation, at: number, retell = false, tell = true): void {
    if (at < object.observedAt) return;
    object.observedAt = at;
    if ('error' in observation) {
      object.health = unknown(`could not be read: ${observation.error}`);
    } else {
      object.health = healthOf(observation.live as KubeObject | null);
      if (state.applying > 0) object.unjudged = observation.live;
      else {
        object.unjudged = undefined;
        if (object.applied) this.judge(state, object, observation.live, retell);
      }
    }
    if (tell) this.handlers.changed(state);
  }

  private judge(state: ApplicationState, object: ManagedObject, live: JsonObject | null, retell: boolean): void {
    const ignore = state.desired.ignoreRules;
    const drift = detectDrift(object.manifest, live, { ignore });
    if (drift) {
      if (!retell && object.drift && signatureOf(object.drift) === signatureOf(drift)) return;
      object.drift = drift;
      return this.handlers.drifted(state, object, drift);
    }
    const ended = object.drift;
    if (!ended || !live) return;
    object.drift = null;
    this.handlers.resolved(state, object, restoredBy(object.manifest, live, ended, { ignore }));
  }

  private async read(id: ObjectIdentity): Promise<Observation> {
    try {
      return { live: (await this.resources.client.read(referenceTo(id))) as unknown as JsonObject };
    } catch (error) {
      return statusCodeOf(error) === 404 ? { live: null } : { error: apiMessageOf(error) };
    }
  }

  /** Each application's watch errors, from the watches of its objects' kinds. */
  private refreshWatchErrors(): void {
    for (const state of this.applications()) {
      const errors = new Map<string, string>();
      for (const object of state.objects.values()) {
        const error = this.watches.get(watchKey(watchedKindOf(object)))?.error;
        if (error) errors.set(describeWatchedKind(watchedKindOf(object)), error);
      }
      if (JSON.stringify([...errors]) === JSON.stringify([...state.watchErrors])) continue;
      state.watchErrors.clear();
      for (const [kind, error] of errors) state.watchErrors.set(kind, error);
      this.handlers.changed(state);
    }
  }
}

/** What makes two drifts of one object the same: an unchanged drift is not told again. */
function signatureOf(drift: ObjectDrift): string {
  return JSON.stringify([drift.deleted, drift.fields.map((field) => [field.path, field.live])]);
}
