import { EventEmitter } from 'node:events';
import { equals } from '@bufbuild/protobuf';
import { KeyedSerialQueue } from '@capstan/async';
import { liveDigest, type ObjectDrift } from '@capstan/diff';
import { InventoryStore, ResourceManager } from '@capstan/kube';
import type { JsonObject } from '@capstan/manifest';
import { type ApplicationDesiredState, ApplicationDesiredStateSchema, type HealInstruction, HealPolicy, type HubMessage, type PolicySet } from '@capstan/proto';
import { capstanFieldManager, type ChangeSet, entriesWith } from '@capstan/vocabulary';
import { type KubeConfig, VersionApi } from '@kubernetes/client-node';
import { AdmissionDelivery } from './admission-delivery';
import { ApplicationState, type ManagedObject, objectKey } from './application-state';
import { BundleVerificationError } from './bundle-verification';
import { ComplianceMonitor } from './compliance-monitor';
import { Deployer } from './deployer';
import { DesiredStateCache } from './desired-state-cache';
import { HubClient, type HubEndpoint } from './hub-client';
import { HubSession, isCredentialRefused } from './hub-session';
import { Monitor } from './monitor';
import { Pruner } from './pruner';
import { Reporter } from './reporter';

export interface AgentOptions {
  hub: HubEndpoint;
  /** PEM of the hub's bundle-signing public key, from the agent's install configuration. */
  hubPublicKey: string;
  /** The cluster credential; without it `bootstrapToken` registers the cluster first. */
  credential?: string;
  bootstrapToken?: string;
  /** Called with a newly obtained credential, so the caller can keep it; awaited before the agent goes on. */
  onCredential?: (credential: string) => void | Promise<void>;
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

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One cluster's agent: dials out to the hub, receives the desired state, and keeps the cluster on
 * it through its reconcilers — deploy (verify, apply, inventory), prune, watch (drift and health)
 * and report — around one state object per application. Work on an application runs one task
 * after another; applications do not wait for each other. Many agents can run in one process.
 *
 * Emits `synced` (application, ChangeSet), `refused` (application, reason: a bundle that does not
 * verify), `failed` (application, reason), `drift` (application, ObjectDrift), `healed`
 * (application, ChangeSet), `retired` (application, ChangeSet), `verified` (per-application live
 * digests), `paused`, `resumed`, `complianceFailed` (reason: a policy that cannot be judged, kinds
 * that cannot be watched), `admissionDelivered` (ChangeSet of the native admission policies),
 * `admissionFailed` (reason: a policy that cannot be enforced at admission), and
 * `credentialRefused` (the hub's details, the wait before the next try in milliseconds).
 */
export class Agent extends EventEmitter {
  private readonly hub: HubClient;
  private readonly resources: ResourceManager;
  private readonly cache: DesiredStateCache;
  private readonly session: HubSession;
  private readonly deployer: Deployer;
  private readonly pruner: Pruner;
  private readonly monitor: Monitor;
  private readonly compliance: ComplianceMonitor;
  private readonly admission: AdmissionDelivery;
  private readonly reporter: Reporter;
  private readonly applications = new Map<string, ApplicationState>();
  private readonly queue = new KeyedSerialQueue<string>();
  /** Acknowledgements go out in the order the hub's messages came, each once its work is done. */
  private acknowledged: Promise<void> = Promise.resolve();
  private credential: string | undefined;
  private checksums: NodeJS.Timeout | null = null;
  /** Paused by the hub: nothing is applied or healed until resumed. */
  private paused = false;
  /** The applications the hub last said the cluster should run; null until it has said. */
  private listedByHub: Set<string> | null = null;

  constructor(private readonly options: AgentOptions) {
    super();
    this.credential = options.credential;
    this.hub = new HubClient(options.hub, { initialMs: options.reconnectInitialMs, maxMs: options.reconnectMaxMs });
    this.resources = new ResourceManager(options.kubeConfig);
    this.cache = new DesiredStateCache(this.resources, options.namespace);
    this.pruner = new Pruner(this.resources, new InventoryStore(this.resources, options.namespace));
    this.deployer = new Deployer(this.resources, this.cache, this.pruner, options.hubPublicKey, (digest) => this.hub.fetchBundle(this.credential as string, digest));
    this.session = new HubSession(this.hub, () => this.credential as string, options, {
      hello: async () => ({ agentVersion: options.agentVersion, kubernetesVersion: await this.kubernetesVersion(), heldDigests: this.heldDigests(), policySetDigest: this.compliance.policySetDigest }),
      opened: () => {
        this.reporter.resend(this.applications.values());
        this.compliance.resend();
      },
      message: (message, acknowledge) => this.onHubMessage(message, acknowledge),
      credentialRefused: (details, retryInMs) => this.emit('credentialRefused', details, retryInMs),
    });
    this.reporter = new Reporter((body) => this.session.send(body));
    this.monitor = new Monitor(this.resources, () => this.applications.values(), {
      drifted: (state, object, drift) => this.onDrift(state, object, drift),
      resolved: (state, object, restoredBy) => this.reporter.driftResolved(state, object, restoredBy),
      changed: (state) => this.reporter.status(state),
    });
    this.compliance = new ComplianceMonitor(this.resources, {
      complete: (policies, verdicts) => this.reporter.complianceComplete(policies, verdicts),
      changed: (verdict) => this.reporter.complianceChanged(verdict),
      failed: (reason) => this.emit('complianceFailed', reason),
    });
    this.admission = new AdmissionDelivery(this.resources, options.namespace, {
      delivered: (changeSet) => this.emit('admissionDelivered', changeSet),
      failed: (reason) => this.emit('admissionFailed', reason),
    });
  }

  /** Registers when needed, then keeps a session with the hub until stopped. */
  async start(): Promise<void> {
    if (!this.credential) {
      if (!this.options.bootstrapToken) throw new Error('the agent needs a cluster credential or a bootstrap token');
      const registered = await this.hub.register(this.options.bootstrapToken, { agentVersion: this.options.agentVersion, kubernetesVersion: await this.kubernetesVersion() });
      this.credential = registered.credential;
      await this.options.onCredential?.(registered.credential);
    }
    await this.resources.client.patch({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.options.namespace } }, undefined, undefined, this.resources.options.fieldManager, true, 'application/apply-patch+yaml');
    // Enforce what the cluster last received before the hub is even reached: it may be away.
    for (const { state: desired, bundle } of await this.cache.readAll()) {
      const state = new ApplicationState(desired);
      state.bundle = { digest: desired.bundleDigest, json: bundle };
      this.applications.set(state.name, state);
    }
    await Promise.all([...this.applications.values()].map((state) => this.run(state.name, () => this.converge(state.desired))));
    const policies = await this.cache.readPolicies();
    if (policies) this.enforcePolicies(policies);
    await this.session.open();
    // One read-back at a time: a slow one is not queued up behind by the next ones. The native
    // admission policies are delivered again with it, in case one was deleted or changed out of band.
    let verifying = false;
    this.checksums = setInterval(() => {
      this.admission.redeliver();
      if (verifying) return;
      verifying = true;
      void this.verifyLive().finally(() => (verifying = false));
    }, this.options.checksumIntervalMs);
    this.checksums.unref();
  }

  /** Whether a session with the hub is open now. */
  get connected(): boolean {
    return this.session.connected;
  }

  async stop(): Promise<void> {
    if (this.checksums) clearInterval(this.checksums);
    this.session.close();
    this.monitor.stop();
    this.compliance.stop();
    await Promise.all([this.queue.drained(), this.admission.stop()]);
    this.hub.close();
  }

  /** Runs work on one application after what is queued for it; a failure is reported as a `failed` event. */
  private run(application: string, task: () => Promise<void>): Promise<void> {
    return this.queue.run(application, task).catch((error: unknown) => {
      this.emit('failed', application, messageOf(error));
    });
  }

  private onHubMessage(message: HubMessage, acknowledge: () => void): void {
    let done: Promise<unknown> = Promise.resolve();
    if (message.body.case === 'heal') done = this.heal(message.body.value);
    else if (message.body.case === 'desiredState') {
      const applications = message.body.value.applications;
      this.listedByHub = new Set(applications.map((desired) => desired.application));
      done = Promise.all([this.retireUnlisted(), ...applications.map((desired) => this.run(desired.application, () => this.converge(desired)))]);
    } else if (message.body.case === 'policies') {
      const set = message.body.value;
      this.enforcePolicies(set);
      done = this.cache.writePolicies(set).catch((error: unknown) => this.emit('complianceFailed', `the policies in force could not be cached: ${messageOf(error)}`));
    }
    const previous = this.acknowledged;
    this.acknowledged = Promise.all([previous, done]).then(acknowledge);
  }

  /** The policies in force: judged on live objects, and those in enforce delivered to the cluster's admission. */
  private enforcePolicies(set: PolicySet): void {
    this.compliance.enforce(set);
    this.admission.deliver(set);
  }

  /**
   * Brings an application to its desired state. Its bundle comes from what the agent holds when the
   * digest is the same, else from the hub; nothing is applied again for a digest already applied,
   * but new policies and ignore rules hold at once (and are cached).
   */
  private async converge(desired: ApplicationDesiredState): Promise<void> {
    let state = this.applications.get(desired.application);
    if (!state) {
      state = new ApplicationState(desired);
      this.applications.set(state.name, state);
    }
    const previous = state.desired;
    state.desired = desired;
    if (this.paused) return;
    if (state.appliedDigest === desired.bundleDigest) {
      if (equals(ApplicationDesiredStateSchema, previous, desired) || !state.bundle) return;
      await this.deployer.remember(desired, state.bundle.json);
      // Other ignore rules may make other fields drift, or none.
      await this.monitor.readBack(state);
      return;
    }
    state.deployed = true;
    // Until this deploy succeeds, what is live is not the last digest applied: that digest again must be applied again.
    state.appliedDigest = null;
    try {
      const { json, objects } = await this.deployer.bundleOf(state, desired);
      await this.deployer.remember(desired, json);
      state.bundle = { digest: desired.bundleDigest, json };
      const dropped = state.setObjects(objects, desired.revision);
      this.monitor.watchAll();
      const changeSet = await this.applying(state, (observe) => this.deployer.deploy(state, observe));
      const failed = entriesWith(changeSet, 'failed');
      state.lastChangeSet = changeSet;
      state.error = failed.length ? `${failed.length} object(s) failed: ${failed.map((change) => `${change.subject}: ${change.message}`).join('; ')}` : '';
      if (failed.length === 0) state.appliedDigest = desired.bundleDigest;
      // Git no longer has these: whatever drift they had is over.
      for (const object of dropped) if (object.drift) this.reporter.driftResolved(state, object, capstanFieldManager);
      await this.monitor.settle(state);
      this.reporter.status(state);
      this.emit('synced', state.name, changeSet);
    } catch (error) {
      const reason = messageOf(error);
      state.error = reason;
      state.lastChangeSet = { entries: [] };
      this.reporter.status(state);
      if (isCredentialRefused(error)) this.emit('credentialRefused', error.details, this.options.reconnectMaxMs);
      if (error instanceof BundleVerificationError) this.emit('refused', state.name, reason);
      else this.emit('failed', state.name, reason);
    }
  }

  /**
   * Runs an apply of the application, recording what it did to each object and taking in the
   * objects as the API server answered; drift is judged after it (`Monitor.settle`), not during.
   */
  private async applying(state: ApplicationState, apply: (observe: (live: JsonObject) => void) => Promise<ChangeSet>): Promise<ChangeSet> {
    state.applying++;
    try {
      const changeSet = await apply(this.monitor.applyObserver(state));
      state.recordApply(changeSet);
      return changeSet;
    } finally {
      state.applying--;
    }
  }

  /**
   * Applications the hub no longer lists leave the cluster (it left their group, or their targets
   * changed): with prune on their objects are deleted — only those Capstan applied — and the agent
   * stops enforcing them. Nothing changes while paused. Emits `retired` (application, ChangeSet).
   */
  private retireUnlisted(): Promise<unknown> {
    const listed = this.listedByHub;
    if (this.paused || !listed) return Promise.resolve();
    const unlisted = [...this.applications.keys()].filter((application) => !listed.has(application));
    return Promise.all(unlisted.map((application) => this.run(application, () => this.retire(application))));
  }

  private async retire(application: string): Promise<void> {
    const state = this.applications.get(application);
    if (!state || this.listedByHub?.has(application)) return;
    this.applications.delete(application);
    this.reporter.forget(application);
    this.monitor.watchAll();
    const changeSet = await this.pruner.retire(application, state.desired.prune);
    await this.cache.remove(application);
    this.emit('retired', application, changeSet);
  }

  /** Drift under auto while cut off from the hub is healed at once under the last policy received, and the hub told once it is back; else the hub decides. */
  private onDrift(state: ApplicationState, object: ManagedObject, drift: ObjectDrift): void {
    this.emit('drift', state.name, drift);
    if (this.session.connected || this.paused || state.desired.healPolicy !== HealPolicy.AUTO) return this.reporter.drift(state, drift);
    void this.run(state.name, () =>
      this.reapply(state, [object.key], (changeSet) => this.reporter.drift(state, drift, entriesWith(changeSet, 'failed').length === 0 ? Date.now() : undefined)),
    );
  }

  /** Carries out an instruction from the hub: re-apply objects, resync an application (all when none is named), pause or resume. */
  private heal(instruction: HealInstruction): Promise<unknown> {
    const named = (state: ApplicationState) => !instruction.application || state.name === instruction.application;
    switch (instruction.action.case) {
      case 'pause':
        this.paused = true;
        this.emit('paused');
        return Promise.resolve();
      case 'resume':
        // The hub says so on every Hello of a cluster that is not paused.
        if (!this.paused) return Promise.resolve();
        this.paused = false;
        this.emit('resumed');
        return Promise.all([this.retireUnlisted(), ...[...this.applications.values()].map((state) => this.run(state.name, () => this.converge(state.desired)))]);
      case 'resync':
        return Promise.all(
          [...this.applications.values()].filter(named).map((state) =>
            this.run(state.name, () => {
              state.appliedDigest = null;
              return this.converge(state.desired);
            }),
          ),
        );
      case 'reapply': {
        if (this.paused) return Promise.resolve();
        const keys = instruction.action.value.objects.map(objectKey);
        const tell = (changeSet: ChangeSet) => this.reporter.healResult(instruction.instructionId, instruction.application, changeSet);
        const state = this.applications.get(instruction.application);
        if (!state) {
          tell({ entries: [] });
          return Promise.resolve();
        }
        return this.run(state.name, () => this.reapply(state, keys, tell));
      }
      default:
        return Promise.resolve();
    }
  }

  /** Applies these objects again as git says; `tell` hears what it did before the objects are judged again. */
  private async reapply(state: ApplicationState, keys: readonly string[], tell: (changeSet: ChangeSet) => void): Promise<void> {
    const changeSet = await this.applying(state, (observe) => this.deployer.reapply(state, keys, observe));
    this.emit('healed', state.name, changeSet);
    tell(changeSet);
    await this.monitor.settle(state, keys.flatMap((key) => state.objects.get(key) ?? []));
  }

  /**
   * Reads every managed object back and judges it, whatever watch events said (one may have been
   * missed): drift found is reported again, and the hub gets each application's live digest to
   * compare with the bundle it wants there (none for an application some of whose objects could
   * not be read). Emits `verified` with the digests.
   */
  private async verifyLive(): Promise<void> {
    const verified = await Promise.all(
      [...this.applications.values()].map(async (state) => {
        let drifts: Awaited<ReturnType<Monitor['readBack']>> = null;
        await this.run(state.name, async () => {
          drifts = await this.monitor.readBack(state, undefined, true);
        });
        return drifts ? [{ application: state.name, liveDigest: liveDigest(state.desired.bundleDigest, drifts) }] : [];
      }),
    );
    const applications = verified.flat();
    this.reporter.checksums(applications);
    this.emit('verified', applications);
  }

  private heldDigests(): string[] {
    return [...this.applications.values()].flatMap((state) => (state.appliedDigest ? [state.appliedDigest] : []));
  }

  private async kubernetesVersion(): Promise<string> {
    try {
      return (await this.options.kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion;
    } catch {
      return '';
    }
  }
}
