import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ClusterEntity } from '@capstan/persistence';
import { type AgentMessage, healPolicyFromName } from '@capstan/proto';
import { DataSource } from 'typeorm';
import type { HubConfig } from '../config/hub-config';
import { HUB_CONFIG } from '../config/hub-config.module';
import { type ApplicationDesiredState, DesiredStatesService } from '../desired-states/desired-states.service';
import { ComplianceService } from '../policies/compliance.service';
import { DesiredStateEvents } from '../rendering/desired-state-events';
import { clusterControl, healInstruction, resyncInstruction } from './agent-instructions';
import type { AgentSession } from './agent-sessions';
import { AgentSessionRegistry } from './agent-sessions';
import { ClusterStatusService } from './cluster-status.service';
import { DriftService } from './drift.service';
import { BundleSigner } from './hub-keys';

/**
 * What the hub does with each message of an agent, and what it pushes: the cluster's desired
 * state on every Hello and whenever it changes, with the open drifts decided again under the
 * policies in force (a policy changed, the cluster was paused or resumed), and the fleet-wide
 * policies in force there when they changed since the session last had them.
 */
@Injectable()
export class AgentMessageHandler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentMessageHandler.name);
  /** Signs every bundle digest sent; agents verify it with the public key from their install. */
  readonly signer: BundleSigner;
  private unsubscribe: (() => void) | null = null;
  /** The digest of the policy set each session holds, so an unchanged set is not sent again. */
  private readonly policySetDigests = new WeakMap<AgentSession, string>();

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly dataSource: DataSource,
    private readonly desiredStates: DesiredStatesService,
    private readonly events: DesiredStateEvents,
    private readonly sessions: AgentSessionRegistry,
    private readonly statuses: ClusterStatusService,
    private readonly drifts: DriftService,
    private readonly compliance: ComplianceService,
  ) {
    this.signer = BundleSigner.fromStateDir(config.stateDir);
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.events.onChanged((clusters) => {
      // Announcements may have been missed: every agent here gets its desired state again, which changes nothing where nothing changed.
      const sessions = clusters === 'all' ? this.sessions.local() : clusters.flatMap((name) => this.sessions.local(name));
      for (const session of sessions) {
        this.pushDesiredState(session)
          .then((states) => this.decideOpenDrifts(session, states))
          .catch((error: Error) => this.logger.warn(`could not push desired state to ${session.cluster.name}: ${error.message}`));
      }
    });
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  async handle(session: AgentSession, message: AgentMessage): Promise<void> {
    const { cluster, send } = session;
    const clusters = this.dataSource.getRepository(ClusterEntity);
    switch (message.body.case) {
      case 'hello': {
        const hello = message.body.value;
        await clusters.update({ id: cluster.id }, { agentVersion: hello.agentVersion || null, kubernetesVersion: hello.kubernetesVersion || null, lastSeenAt: new Date() });
        this.policySetDigests.set(session, hello.policySetDigest);
        // Whether the cluster is paused comes before anything the agent could apply; it may have missed a pause or a resume.
        const { paused } = await clusters.findOneByOrFail({ id: cluster.id });
        send(clusterControl(paused));
        const states = await this.pushDesiredState(session);
        if (paused) return;
        // Heals instructed by a hub process that has since restarted, or by another replica, are not in this channel: they come from the database.
        const channel = this.sessions.channelOf(cluster.name);
        const resent = new Set(channel.unacknowledged().flatMap((unacknowledged) => (unacknowledged.body?.case === 'heal' ? [unacknowledged.body.value.instructionId] : [])));
        for (const drift of await this.drifts.awaitingHeal(cluster.id)) if (!resent.has(drift.id)) send(healInstruction(drift));
        await this.decideOpenDrifts(session, states);
        return;
      }
      case 'heartbeat':
        this.statuses.seen(cluster);
        return;
      case 'drift': {
        const report = message.body.value;
        const policy = (await this.statesInForce(cluster)).find((state) => state.application === report.application)?.healPolicy ?? 'alert';
        const drift = await this.drifts.record(cluster, report, policy);
        // Every new report under auto is healed, even of a drift being healed: the object changed again.
        if (drift && policy === 'auto' && !report.healedLocallyAtUnixMs) {
          await this.drifts.markInstructed(drift, 'auto');
          send(healInstruction(drift));
        }
        return;
      }
      case 'driftResolved':
        await this.drifts.resolve(cluster, message.body.value);
        return;
      case 'healResult':
        await this.drifts.healed(cluster, message.body.value.instructionId, message.body.value.error);
        return;
      case 'compliance':
        this.statuses.seen(cluster);
        await this.compliance.record(cluster, message.body.value);
        return;
      case 'status':
        this.statuses.seen(cluster);
        await this.statuses.record(cluster, message.body.value);
        return;
      case 'checksums': {
        const desired = await this.statesInForce(cluster);
        for (const { application, liveDigest } of message.body.value.applications) {
          const state = desired.find((candidate) => candidate.application === application);
          if (!state || state.bundleDigest === liveDigest) continue;
          // Under auto the whole application is applied again, whatever drift reports did or did not arrive.
          const resync = state.healPolicy === 'auto';
          await this.drifts.checksumMismatched(cluster, application, state.bundleDigest, liveDigest, resync);
          if (resync) send(resyncInstruction(application));
        }
        return;
      }
      default:
        return;
    }
  }

  /** Sends the cluster's desired state to this session, and the policies in force when they changed; resolves with the desired state. */
  private async pushDesiredState(session: AgentSession): Promise<ApplicationDesiredState[]> {
    const policySet = await this.compliance.policySetFor(session.cluster);
    if (this.policySetDigests.get(session) !== policySet.digest) {
      this.policySetDigests.set(session, policySet.digest);
      session.send({ case: 'policies', value: policySet });
    }
    const states = await this.desiredStates.forCluster(session.cluster);
    session.send({
      case: 'desiredState',
      value: {
        applications: states.map((state) => ({
          application: state.application,
          revision: state.revisionId,
          commitSha: state.commitSha,
          bundleDigest: state.bundleDigest,
          bundleSignature: this.signer.sign(state.bundleDigest),
          prune: state.prune,
          healPolicy: healPolicyFromName(state.healPolicy),
          ignoreRules: state.ignoreRules.map((rule) => ({ jsonPointer: rule.jsonPointer, group: rule.group ?? '', kind: rule.kind ?? '', namespace: rule.namespace ?? '', name: rule.name ?? '' })),
        })),
      },
    });
    return states;
  }

  /**
   * Decides the cluster's open drifts again under the heal policies in force now (alert everywhere
   * while paused): `auto` heals them now, `approve` holds them for approval, `alert` only reports.
   */
  private async decideOpenDrifts(session: AgentSession, states: readonly ApplicationDesiredState[]): Promise<void> {
    // Most clusters have no open drift: one indexed query, and nothing more, for those.
    const open = await this.drifts.openDrifts(session.cluster.id);
    if (open.length === 0) return;
    const policies = new Map(this.inForce(await this.isPaused(session.cluster), states).map((state) => [state.application, state.healPolicy]));
    for (const drift of open) {
      const policy = policies.get(drift.application?.name ?? '');
      if (policy && (await this.drifts.decide(drift, policy))) session.send(healInstruction(drift));
    }
  }

  /** The cluster's desired state with the heal policy in force: on a paused cluster nothing is healed, drift is only recorded. */
  private async statesInForce(cluster: ClusterEntity): Promise<ApplicationDesiredState[]> {
    return this.inForce(await this.isPaused(cluster), await this.desiredStates.forCluster(cluster));
  }

  private inForce(paused: boolean, states: readonly ApplicationDesiredState[]): ApplicationDesiredState[] {
    return paused ? states.map((state) => ({ ...state, healPolicy: 'alert' })) : [...states];
  }

  private async isPaused(cluster: ClusterEntity): Promise<boolean> {
    return (await this.dataSource.getRepository(ClusterEntity).findOneByOrFail({ id: cluster.id })).paused;
  }
}
