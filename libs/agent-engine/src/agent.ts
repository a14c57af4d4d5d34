import { EventEmitter } from 'node:events';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { formatIdentity, identityOf, type JsonObject, type ObjectIdentity } from '@capstan/manifest';
import { detectDrift, ignoredPointers, liveDigest, type ObjectDrift } from '@capstan/diff';
import { applyOperation } from 'fast-json-patch';
import { type Health, healthOf, HealthStatus, type KubeObject, worstHealth } from '@capstan/health';
import { applyAll, applyAllStaged, deleteAll, InventoryStore, inventoryDiff, nextInventory, referenceTo, ResourceManager, watchKind } from '@capstan/kube';
import { AgentMessageSchema, type ApplicationDesiredState, ApplicationDesiredStateSchema, changeActionFromName, type HealInstruction, HealPolicy, healthStatusFromName, type HubMessage, SequencedChannel, SyncState } from '@capstan/proto';
import { type KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { ChangeSet } from '@capstan/vocabulary';
import { BundleVerificationError, verifyBundleContent, verifyBundleSignature } from './bundle-verification';
import { type CachedDesiredState, DesiredStateCache } from './desired-state-cache';
import { HubClient, type HubEndpoint } from './hub-client';
import { ReportCoalescer } from './report-coalescer';

export interface AgentOptions {
  hub: HubEndpoint;
  /** PEM of the hub's bundle-signing public key, from the agent's install configuration. */
  hubPublicKey: string;
  /** The cluster credential; without it `bootstrapToken` registers the cluster first. */
  credential?: string;
  bootstrapToken?: string;
  /** Called with a newly obtained credential, so the caller can keep it. */
  onCredential?: (credential: string) => void;
  kubeConfig: KubeConfig;
  /** The agent's own namespace, where inventories live. */
  namespace: string;
  agentVersion: string;
  heartbeatIntervalMs: number;
  /** How often every managed object is read back and checked, whatever watch events said; the hub gets a checksum per application. */
  checksumIntervalMs: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
}

export function defaultAgentOptions(): Pick<AgentOptions, 'namespace' | 'heartbeatIntervalMs' | 'checksumIntervalMs' | 'reconnectInitialMs' | 'reconnectMaxMs' | 'agentVersion'> {
  return { namespace: 'capstan-system', heartbeatIntervalMs: 10_000, checksumIntervalMs: 5 * 60_000, reconnectInitialMs: 500, reconnectMaxMs: 30_000, agentVersion: '0.1.0' };
}


/**
 * The object without the fields its ignore rules give to other controllers: a heal must not take
 * them back (server-side apply leaves fields it is not sent to their current owners).
 */
function withoutIgnoredFields(object: JsonObject, rules: readonly { jsonPointer: string; group: string; kind: string; namespace: string; name: string }[]): JsonObject {
  const pointers = ignoredPointers(rules, identityOf(object));
  if (pointers.length === 0) return object;
  const copy = structuredClone(object);
  for (const pointer of pointers) {
    try {
      applyOperation(copy, { op: 'remove', path: pointer });
    } catch {
      // The object does not set that field: nothing to leave out.
    }
  }
  return copy;
}

function toCached(state: ApplicationDesiredState, bundle: string): CachedDesiredState {
  return {
    application: state.application,
    revision: state.revision,
    commitSha: state.commitSha,
    bundleDigest: state.bundleDigest,
    bundleSignature: Buffer.from(state.bundleSignature).toString('base64'),
    prune: state.prune,
    healPolicy: state.healPolicy,
    bundle,
  };
}

function fromCached(entry: CachedDesiredState): ApplicationDesiredState {
  const { bundle: _bundle, bundleSignature, ...fields } = entry;
  return create(ApplicationDesiredStateSchema, { ...fields, bundleSignature: Buffer.from(bundleSignature, 'base64') });
}

/** Identity as a map key; versions of one kind are the same object. */
function objectKey(id: ObjectIdentity): string {
  return `${id.group}|${formatIdentity(id)}`;
}

function toProtoChangeSet(changeSet: ChangeSet) {
  return {
    entries: changeSet.entries.map((entry) => ({
      object: { group: entry.object.group, version: entry.object.version, kind: entry.object.kind, namespace: entry.object.namespace, name: entry.object.name },
      action: changeActionFromName(entry.action),
      message: entry.message ?? '',
    })),
  };
}

type AgentMessageBody = MessageInitShape<typeof AgentMessageSchema>['body'];

/** How one of an application's objects looks live. */
interface ResourceHealth {
  id: ObjectIdentity;
  health: Health;
}

/**
 * One cluster's agent: dials out to the hub, receives the desired state, verifies and applies
 * each application's bundle with server-side apply, prunes what left git when asked, and reports.
 * Many agents can run in one process. Emits `synced` (application, ChangeSet) and `refused`
 * (application, reason) as it works.
 */
export class Agent extends EventEmitter {
  private readonly hub: HubClient;
  private readonly resources: ResourceManager;
  private readonly inventories: InventoryStore;
  private credential: string | undefined;
  private stream: ReturnType<HubClient['connect']> | null = null;
  /** Drift reports and heal results are kept until the hub acknowledges them, and resent on the next session. */
  private readonly channel = new SequencedChannel<AgentMessageBody>({ mustArrive: (body) => body?.case === 'drift' || body?.case === 'healResult', capacity: 1_000 });
  private stopped = false;
  private attempts = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private checksums: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Digest applied per application: a repeated desired state changes nothing. */
  private readonly applied = new Map<string, string>();
  private work: Promise<void> = Promise.resolve();
  private hubAnswered = false;
  /** Paused by the hub: nothing is applied or healed until resumed. */
  private paused = false;
  /** What git says each managed object should be, by object key, with its application. */
  private readonly desired = new Map<string, { application: string; object: JsonObject }>();
  /** Watches by `apiVersion|kind|namespace`, each stopped with its function. */
  private readonly watches = new Map<string, Promise<() => void>>();
  /** The drift last reported per object, so an unchanged drift is not reported again. */
  private readonly reportedDrift = new Map<string, string>();
  /** The last desired state per application, as cached in the cluster. */
  private readonly cached = new Map<string, CachedDesiredState>();
  private readonly states = new Map<string, ApplicationDesiredState>();
  /** The applications the hub last said the cluster should run; null until it has said. */
  private listedByHub: Set<string> | null = null;
  private readonly cache: DesiredStateCache;
  private readonly reports = new ReportCoalescer<() => AgentMessageBody>(500, (_application, body) => this.send(body()));
  private readonly lastReports = new Map<string, { signature: string; body: () => AgentMessageBody }>();

  constructor(private readonly options: AgentOptions) {
    super();
    this.hub = new HubClient(options.hub);
    this.resources = new ResourceManager(options.kubeConfig);
    this.inventories = new InventoryStore(this.resources, options.namespace);
    this.cache = new DesiredStateCache(this.resources, options.namespace);
    this.credential = options.credential;
  }

  /** Registers when needed, then keeps a session with the hub until stopped. */
  async start(): Promise<void> {
    if (!this.credential) {
      if (!this.options.bootstrapToken) throw new Error('the agent needs a cluster credential or a bootstrap token');
      const registered = await this.hub.register(this.options.bootstrapToken, { agentVersion: this.options.agentVersion, kubernetesVersion: await this.kubernetesVersion() });
      this.credential = registered.credential;
      this.options.onCredential?.(registered.credential);
    }
    await this.resources.client.patch({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.options.namespace } }, undefined, undefined, this.resources.options.fieldManager, true, 'application/apply-patch+yaml');
    // Enforce what the cluster last received before the hub is even reached: it may be away.
    const cached = await this.cache.readAll();
    for (const entry of cached) this.cached.set(entry.application, entry);
    await this.enqueue(() => this.converge(cached.map(fromCached)), '');
    await this.connect();
    this.checksums = setInterval(() => void this.enqueue(() => this.verifyLive(), ''), this.options.checksumIntervalMs);
    this.checksums.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.checksums) clearInterval(this.checksums);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stream?.cancel();
    for (const stop of this.watches.values()) (await stop.catch(() => () => undefined))();
    await this.work;
    this.hub.close();
  }

  private async connect(): Promise<void> {
    // Asked first: from opening the stream to its Hello nothing may wait, or a message sent meanwhile would overtake the resent ones.
    const kubernetesVersion = await this.kubernetesVersion();
    const stream = this.hub.connect(this.credential as string);
    this.stream = stream;
    stream.on('data', (message: HubMessage) => {
      this.attempts = 0;
      this.hubAnswered = true;
      this.onHubMessage(message);
    });
    stream.on('error', () => this.reconnectLater());
    stream.on('end', () => this.reconnectLater());
    // What the hub did not acknowledge goes first, in order, so it is not taken for a duplicate of what follows.
    for (const message of this.channel.unacknowledged()) stream.write(create(AgentMessageSchema, message));
    this.send({
      case: 'hello',
      value: { agentVersion: this.options.agentVersion, kubernetesVersion, heldDigests: [...this.applied.values()], lastAckedSequence: this.channel.lastHandled.sequence, lastAckedIncarnation: this.channel.lastHandled.incarnation },
    });
    // A new session starts from nothing: the hub gets every last status again, including those made while cut off.
    this.reports.reset();
    for (const [application, { signature, body }] of this.lastReports) this.reports.offer(application, signature, body);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.send({ case: 'heartbeat', value: {} }), this.options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** Exponential backoff with full jitter, so a fleet does not reconnect in step after a hub restart. */
  private reconnectLater(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.stream = null;
    this.hubAnswered = false;
    const ceiling = Math.min(this.options.reconnectMaxMs, this.options.reconnectInitialMs * 2 ** this.attempts++);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch(() => this.reconnectLater());
    }, Math.random() * ceiling);
    this.reconnectTimer.unref();
  }

  /** Whether a session with the hub is open and has answered. */
  private get connected(): boolean {
    return this.stream !== null && this.hubAnswered;
  }

  private send(body: AgentMessageBody): void {
    const message = this.channel.stamp(body);
    this.stream?.write(create(AgentMessageSchema, message));
  }

  /**
   * Runs cluster work one task after another, in the order it came (desired states, heals), so two
   * applies never interleave; a failure is reported as a `failed` event and the queue goes on.
   */
  private enqueue(task: () => Promise<void>, application: string): Promise<void> {
    this.work = this.work.then(task).catch((error: unknown) => {
      this.emit('failed', application, error instanceof Error ? error.message : String(error));
    });
    return this.work;
  }

  /** Handles each hub message once, in order, acknowledging it when done (a resent duplicate only gets its acknowledgement again). */
  private onHubMessage(message: HubMessage): void {
    if (message.body.case === 'ack') return this.channel.acknowledge(message.body.value.sequence);
    const acknowledge = () => this.send({ case: 'ack', value: { sequence: message.sequence } });
    if (!this.channel.isNew(message)) return acknowledge();
    this.channel.handled(message);
    if (message.body.case === 'heal') {
      const instruction = message.body.value;
      void this.enqueue(() => this.heal(instruction), instruction.application).then(acknowledge);
    } else if (message.body.case === 'desiredState') {
      const applications = message.body.value.applications;
      this.listedByHub = new Set(applications.map((state) => state.application));
      void this.enqueue(async () => {
        await this.retireUnlisted();
        await this.converge(applications);
      }, '').then(acknowledge);
    } else {
      void this.work.then(acknowledge);
    }
  }

  /** Brings every application to its desired state; bundles come from the cache when it holds them, else from the hub. */
  private async converge(applications: readonly ApplicationDesiredState[]): Promise<void> {
    for (const state of applications) {
      // Policy and ignore rules may change without the bundle changing.
      this.states.set(state.application, state);
      if (this.paused || this.applied.get(state.application) === state.bundleDigest) continue;
      try {
        verifyBundleSignature(state.bundleDigest, state.bundleSignature, this.options.hubPublicKey);
        const cached = this.cached.get(state.application);
        const json = cached?.bundleDigest === state.bundleDigest ? cached.bundle : await this.hub.fetchBundle(this.credential as string, state.bundleDigest);
        verifyBundleContent(state.bundleDigest, json);
        const entry = toCached(state, json);
        this.cached.set(state.application, entry);
        await this.cache.write(entry);
        const objects = JSON.parse(json) as JsonObject[];
        // The new desired state is what watch events are judged against from here on, before the apply makes them.
        this.setDesired(state.application, objects);
        const changeSet = await this.apply(state, objects);
        const failed = changeSet.entries.filter((change) => change.action === 'failed');
        if (failed.length === 0) this.applied.set(state.application, state.bundleDigest);
        await this.watchKinds(objects);
        this.report(state, changeSet, failed.length ? `${failed.length} object(s) failed: ${failed.map((change) => `${change.subject}: ${change.message}`).join('; ')}` : '', await this.healthOf(objects));
        this.emit('synced', state.application, changeSet);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.report(state, { entries: [] }, reason);
        if (error instanceof BundleVerificationError) this.emit('refused', state.application, reason);
        else this.emit('failed', state.application, reason);
      }
    }
  }

  /**
   * Applications the hub no longer lists leave the cluster (it left their group, or their targets
   * changed): with prune on their objects are deleted — only those Capstan applied — and the agent
   * stops enforcing them. Nothing changes while paused. Emits `retired` (application, ChangeSet).
   */
  private async retireUnlisted(): Promise<void> {
    if (this.paused || !this.listedByHub) return;
    for (const application of new Set([...this.states.keys(), ...this.cached.keys()])) {
      if (this.listedByHub.has(application)) continue;
      const prune = this.states.get(application)?.prune ?? this.cached.get(application)?.prune ?? false;
      this.setDesired(application, []);
      this.states.delete(application);
      this.applied.delete(application);
      this.lastReports.delete(application);
      this.reports.forget(application);
      let changeSet: ChangeSet = { entries: [] };
      if (prune) {
        const inventory = await this.inventories.read(application);
        changeSet = await deleteAll(this.resources, inventory.objects);
        const left = nextInventory([], inventory.objects, changeSet);
        // Objects that failed to delete stay in the inventory, so a later prune can still take them.
        if (left.objects.length) await this.inventories.write(application, left);
        else await this.inventories.remove(application);
      }
      await this.cache.remove(application);
      this.cached.delete(application);
      this.emit('retired', application, changeSet);
    }
  }

  /** Applies the bundle, then prunes (when asked; else reports as skipped) what the previous inventory had and this one lacks. */
  private async apply(state: ApplicationDesiredState, objects: JsonObject[]): Promise<ChangeSet> {
    const applied = await applyAllStaged(this.resources, objects);
    const previous = await this.inventories.read(state.application);
    const appliedIds = applied.entries.filter((entry) => entry.action !== 'failed' && entry.action !== 'skipped').map((entry) => entry.object);
    const stale = inventoryDiff(previous, { objects: objects.map((object) => identityOf(object)) });
    const pruned = state.prune && stale.length ? await deleteAll(this.resources, stale) : null;
    await this.inventories.write(state.application, nextInventory(appliedIds, stale, pruned));
    const left = state.prune ? [] : stale.map((object) => ({ object, subject: formatIdentity(object), action: 'skipped' as const, message: 'no longer in git; left in place because prune is off' }));
    return { entries: [...applied.entries, ...(pruned?.entries ?? []), ...left] };
  }

  /** Replaces what git says of the application's objects; objects it no longer has are no longer watched for drift. */
  private setDesired(application: string, objects: JsonObject[]): void {
    for (const [key, entry] of this.desired) {
      if (entry.application !== application) continue;
      this.desired.delete(key);
      this.reportedDrift.delete(key);
    }
    for (const object of objects) this.desired.set(objectKey(identityOf(object)), { application, object });
  }

  /** Watches the kinds of these objects from now on, to see drift as it happens. */
  private async watchKinds(objects: JsonObject[]): Promise<void> {
    for (const object of objects) {
      const id = identityOf(object);
      const apiVersion = String(object['apiVersion']);
      const watchKey = `${apiVersion}|${id.kind}|${id.namespace}`;
      if (this.watches.has(watchKey)) continue;
      const watching = watchKind(this.resources, { apiVersion, kind: id.kind, namespace: id.namespace }, (type, live) => this.onObjectEvent(type, live as unknown as JsonObject));
      this.watches.set(watchKey, watching);
      // A kind the cluster does not serve (yet) is tried again with the next apply; its objects already failed there.
      watching.catch(() => this.watches.delete(watchKey));
    }
    await Promise.allSettled(this.watches.values());
  }

  /**
   * Reads every managed object back and judges it, whatever watch events said (one may have been
   * missed): drift found is reported as if seen live, and the hub gets each application's live
   * digest to compare with the bundle it wants there. Emits `verified` with the digests.
   */
  private async verifyLive(): Promise<void> {
    const drifts = new Map<string, ObjectDrift[]>([...this.states.keys()].map((application) => [application, []]));
    for (const [key, entry] of this.desired) {
      const live = (await this.resources.client.read(referenceTo(identityOf(entry.object))).catch(() => null)) as unknown as JsonObject | null;
      // Told again, in case the first report was lost with a session.
      this.reportedDrift.delete(key);
      const drift = this.judge(live ? 'MODIFIED' : 'DELETED', live ?? entry.object);
      if (drift) drifts.get(entry.application)?.push(drift);
    }
    const applications = [...this.states.values()].map((state) => ({ application: state.application, liveDigest: liveDigest(state.bundleDigest, drifts.get(state.application) ?? []) }));
    this.send({ case: 'checksums', value: { applications } });
    this.emit('verified', applications);
  }

  private onObjectEvent(type: string, live: JsonObject): void {
    this.judge(type, live);
  }

  /** Judges a managed object as it is live; reports drift not reported before, and returns the drift found. */
  private judge(type: string, live: JsonObject): ObjectDrift | null {
    const key = objectKey(identityOf(live));
    const entry = this.desired.get(key);
    if (!entry) return null;
    const ignore = (this.states.get(entry.application)?.ignoreRules ?? []).map((rule) => ({ ...rule }));
    const drift = detectDrift(entry.object, type === 'DELETED' ? null : live, { ignore });
    const signature = drift ? JSON.stringify([drift.deleted, drift.fields.map((field) => [field.path, field.live])]) : '';
    if (this.reportedDrift.get(key) === signature || (!drift && !this.reportedDrift.has(key))) return drift;
    if (!drift) {
      this.reportedDrift.delete(key);
      return null;
    }
    this.reportedDrift.set(key, signature);
    this.emit('drift', entry.application, drift);
    const report = {
      application: entry.application,
      object: { ...drift.object },
      objectDeleted: drift.deleted,
      observedAtUnixMs: BigInt(Date.now()),
      fields: drift.fields.map((field) => ({ path: field.path, desiredJson: JSON.stringify(field.desired), liveJson: field.live === undefined ? '' : JSON.stringify(field.live), changedBy: field.changedBy ?? '' })),
    };
    if (!this.connected && !this.paused && this.states.get(entry.application)?.healPolicy === HealPolicy.AUTO) {
      // Cut off from the hub, the agent keeps enforcing under the last policy it received, and tells the hub once it is back.
      void this.enqueue(async () => {
        const changeSet = await this.reapply(entry.application, [identityOf(entry.object)]);
        const healed = changeSet.entries.every((change) => change.action !== 'failed');
        this.send({ case: 'drift', value: healed ? { ...report, healedLocallyAtUnixMs: BigInt(Date.now()) } : report });
      }, entry.application);
      return drift;
    }
    this.send({ case: 'drift', value: report });
    return drift;
  }

  /** Carries out an instruction from the hub: re-apply objects, resync an application (all when none is named), pause or resume. */
  private async heal(instruction: HealInstruction): Promise<void> {
    switch (instruction.action.case) {
      case 'pause':
        this.paused = true;
        this.emit('paused');
        return;
      case 'resume':
        // The hub says so on every Hello of a cluster that is not paused.
        if (!this.paused) return;
        this.paused = false;
        this.emit('resumed');
        await this.retireUnlisted();
        return this.converge([...this.states.values()]);
      case 'resync':
        for (const application of this.states.keys()) if (!instruction.application || application === instruction.application) this.applied.delete(application);
        return this.converge([...this.states.values()].filter((state) => !instruction.application || state.application === instruction.application));
      case 'reapply': {
        if (this.paused) return;
        const changeSet = await this.reapply(instruction.application, instruction.action.value.objects);
        const failed = changeSet.entries.filter((entry) => entry.action === 'failed');
        this.send({
          case: 'healResult',
          value: { instructionId: instruction.instructionId, application: instruction.application, changeSet: toProtoChangeSet(changeSet), error: failed.map((entry) => `${entry.subject}: ${entry.message}`).join('; ') },
        });
        return;
      }
      default:
        return;
    }
  }

  /** Applies these objects again as git says they should be, leaving out the fields ignore rules give to others. */
  private async reapply(application: string, refs: readonly ObjectIdentity[]): Promise<ChangeSet> {
    const objects = refs
      .map((ref) => this.desired.get(objectKey(ref)))
      .filter((entry): entry is { application: string; object: JsonObject } => entry !== undefined)
      .map((entry) => withoutIgnoredFields(entry.object, this.states.get(entry.application)?.ignoreRules ?? []));
    const changeSet = await applyAll(this.resources, objects);
    for (const object of objects) this.reportedDrift.delete(objectKey(identityOf(object)));
    this.emit('healed', application, changeSet);
    return changeSet;
  }

  /** The health of each of the application's live objects (libs/health judges each by kind). */
  private healthOf(objects: readonly JsonObject[]): Promise<ResourceHealth[]> {
    return Promise.all(
      objects.map(async (object) => {
        const id = identityOf(object);
        const live = await this.resources.client.read(referenceTo(id)).catch(() => null);
        return { id, health: healthOf(live as unknown as KubeObject | null) };
      }),
    );
  }

  /**
   * Reports an application's status with one entry per object (failed when its apply failed), coalesced:
   * at most one report per application per 500 ms, and only when it changed.
   */
  private report(state: ApplicationDesiredState, changeSet: ChangeSet, error: string, resources?: readonly ResourceHealth[]): void {
    const failed = new Set(changeSet.entries.filter((entry) => entry.action === 'failed').map((entry) => objectKey(entry.object)));
    // Without its objects' health (the apply did not get that far) the application's health is unknown.
    const health = resources ? worstHealth(resources.map((resource) => resource.health)) : { status: HealthStatus.Unknown, message: '' };
    const signature = JSON.stringify([
      state.revision,
      state.bundleDigest,
      error,
      changeSet.entries.map((entry) => [entry.subject, entry.action, entry.message]),
      resources?.map((resource) => [objectKey(resource.id), resource.health.status, resource.health.message]),
    ]);
    const body = () => ({
      case: 'status' as const,
      value: {
        application: state.application,
        revision: state.revision,
        bundleDigest: state.bundleDigest,
        sync: error ? SyncState.FAILED : SyncState.SYNCED,
        health: { status: healthStatusFromName(health.status), message: health.message },
        resources: (resources ?? []).map(({ id, health: resourceHealth }) => ({
          object: { group: id.group, version: id.version, kind: id.kind, namespace: id.namespace, name: id.name },
          sync: failed.has(objectKey(id)) ? SyncState.FAILED : SyncState.SYNCED,
          health: { status: healthStatusFromName(resourceHealth.status), message: resourceHealth.message },
        })),
        error,
        observedAtUnixMs: BigInt(Date.now()),
        lastChangeSet: toProtoChangeSet(changeSet),
      },
    });
    this.lastReports.set(state.application, { signature, body });
    this.reports.offer(state.application, signature, body);
  }

  private async kubernetesVersion(): Promise<string> {
    try {
      return (await this.options.kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion;
    } catch {
      return '';
    }
  }
}
