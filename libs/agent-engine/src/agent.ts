import { EventEmitter } from 'node:events';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { identityOf, type JsonObject } from '@capstan/manifest';
import { applyAllStaged, type ChangeSet, type ChangeSetEntry, deleteAll, InventoryStore, inventoryDiff, nextInventory, ResourceManager } from '@capstan/kube';
import { AgentMessageSchema, type ApplicationDesiredState, ChangeAction, type HubMessage, SyncState } from '@capstan/proto';
import { type KubeConfig, VersionApi } from '@kubernetes/client-node';
import { BundleVerificationError, verifyBundleContent, verifyBundleSignature } from './bundle-verification';
import { HubClient, type HubEndpoint } from './hub-client';

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
  reconnectInitialMs: number;
  reconnectMaxMs: number;
}

export function defaultAgentOptions(): Pick<AgentOptions, 'namespace' | 'heartbeatIntervalMs' | 'reconnectInitialMs' | 'reconnectMaxMs' | 'agentVersion'> {
  return { namespace: 'capstan-system', heartbeatIntervalMs: 10_000, reconnectInitialMs: 500, reconnectMaxMs: 30_000, agentVersion: '0.1.0' };
}

const changeActions: Record<ChangeSetEntry['action'], ChangeAction> = {
  created: ChangeAction.CREATED,
  configured: ChangeAction.CONFIGURED,
  unchanged: ChangeAction.UNCHANGED,
  deleted: ChangeAction.DELETED,
  skipped: ChangeAction.SKIPPED,
  failed: ChangeAction.FAILED,
};

type AgentMessageBody = MessageInitShape<typeof AgentMessageSchema>['body'];

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
  private sequence = 0n;
  private stopped = false;
  private attempts = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Digest applied per application: a repeated desired state changes nothing. */
  private readonly applied = new Map<string, string>();
  private work: Promise<void> = Promise.resolve();

  constructor(private readonly options: AgentOptions) {
    super();
    this.hub = new HubClient(options.hub);
    this.resources = new ResourceManager(options.kubeConfig);
    this.inventories = new InventoryStore(this.resources, options.namespace);
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
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stream?.cancel();
    await this.work;
    this.hub.close();
  }

  private async connect(): Promise<void> {
    const stream = this.hub.connect(this.credential as string);
    this.stream = stream;
    stream.on('data', (message: HubMessage) => {
      this.attempts = 0;
      this.onHubMessage(message);
    });
    stream.on('error', () => this.reconnectLater());
    stream.on('end', () => this.reconnectLater());
    this.send({ case: 'hello', value: { agentVersion: this.options.agentVersion, kubernetesVersion: await this.kubernetesVersion(), heldDigests: [...this.applied.values()] } });
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.send({ case: 'heartbeat', value: {} }), this.options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** Exponential backoff with full jitter, so a fleet does not reconnect in step after a hub restart. */
  private reconnectLater(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.stream = null;
    const ceiling = Math.min(this.options.reconnectMaxMs, this.options.reconnectInitialMs * 2 ** this.attempts++);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch(() => this.reconnectLater());
    }, Math.random() * ceiling);
    this.reconnectTimer.unref();
  }

  private send(body: AgentMessageBody): void {
    this.stream?.write(create(AgentMessageSchema, { sequence: ++this.sequence, body }));
  }

  private onHubMessage(message: HubMessage): void {
    if (message.body.case !== 'ack') this.send({ case: 'ack', value: { sequence: message.sequence } });
    if (message.body.case === 'desiredState') {
      const applications = message.body.value.applications;
      // Desired states are handled one after another, in the order they came.
      this.work = this.work
        .then(() => this.converge(applications))
        .catch((error: unknown) => {
          this.emit('error', error);
        });
    }
  }

  private async converge(applications: readonly ApplicationDesiredState[]): Promise<void> {
    for (const state of applications) {
      if (this.applied.get(state.application) === state.bundleDigest) continue;
      try {
        verifyBundleSignature(state.bundleDigest, state.bundleSignature, this.options.hubPublicKey);
        const json = await this.hub.fetchBundle(this.credential as string, state.bundleDigest);
        verifyBundleContent(state.bundleDigest, json);
        const changeSet = await this.apply(state, JSON.parse(json) as JsonObject[]);
        const failed = changeSet.entries.filter((entry) => entry.action === 'failed');
        if (failed.length === 0) this.applied.set(state.application, state.bundleDigest);
        this.report(state, changeSet, failed.length ? `${failed.length} object(s) failed: ${failed.map((entry) => `${entry.subject}: ${entry.message}`).join('; ')}` : '');
        this.emit('synced', state.application, changeSet);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.report(state, { entries: [] }, reason);
        if (error instanceof BundleVerificationError) this.emit('refused', state.application, reason);
        else this.emit('failed', state.application, reason);
      }
    }
  }

  /** Applies the bundle, then prunes (when asked) what the previous inventory had and this one lacks. */
  private async apply(state: ApplicationDesiredState, objects: JsonObject[]): Promise<ChangeSet> {
    const applied = await applyAllStaged(this.resources, objects);
    const previous = await this.inventories.read(state.application);
    const appliedIds = applied.entries.filter((entry) => entry.action !== 'failed' && entry.action !== 'skipped').map((entry) => entry.object);
    const stale = inventoryDiff(previous, { objects: objects.map((object) => identityOf(object)) });
    const pruned = state.prune && stale.length ? await deleteAll(this.resources, stale) : null;
    await this.inventories.write(state.application, nextInventory(appliedIds, stale, pruned));
    return { entries: [...applied.entries, ...(pruned?.entries ?? [])] };
  }

  private report(state: ApplicationDesiredState, changeSet: ChangeSet, error: string): void {
    this.send({
      case: 'status',
      value: {
        application: state.application,
        revision: state.revision,
        bundleDigest: state.bundleDigest,
        sync: error ? SyncState.FAILED : SyncState.SYNCED,
        error,
        observedAtUnixMs: BigInt(Date.now()),
        lastChangeSet: {
          entries: changeSet.entries.map((entry) => ({
            object: { group: entry.object.group, version: entry.object.version, kind: entry.object.kind, namespace: entry.object.namespace, name: entry.object.name },
            action: changeActions[entry.action],
            message: entry.message ?? '',
          })),
        },
      },
    });
  }

  private async kubernetesVersion(): Promise<string> {
    try {
      return (await this.options.kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion;
    } catch {
      return '';
    }
  }
}
