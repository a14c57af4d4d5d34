import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { canonicalJson, type JsonValue } from '@capstan/manifest';
import { ClusterEntity, type Database, type DriftEntity, refusedData, RenderedBundleEntity } from '@capstan/persistence';
import {
  type AgentMessage,
  AgentService,
  type BundleChunk,
  BundleChunkSchema,
  type FetchBundleRequest,
  grpcServiceDefinition,
  healPolicyFromName,
  type HubMessage,
  HubMessageSchema,
  maxMessageBytes,
  type RegisterRequest,
  type RegisterResponse,
  RegisterResponseSchema,
  SequencedChannel,
} from '@capstan/proto';
import { type handleBidiStreamingCall, type handleServerStreamingCall, type handleUnaryCall, type Metadata, Server, ServerCredentials, type ServiceError, status } from '@grpc/grpc-js';
import { DataSource } from 'typeorm';
import type { HubConfig } from '../config/hub-config';
import { HUB_CONFIG } from '../config/hub-config.module';
import { DATABASE } from '../database/database.module';
import { DesiredStateEvents } from '../rendering/desired-state-events';
import { connectionDeadlineMs } from './cluster-status.resolver';
import { ClusterStatusService } from './cluster-status.service';
import { DriftService } from './drift.service';
import { type ApplicationDesiredState, DesiredStateService } from './desired-state.service';
import { BundleSigner, servingCertificate } from './hub-keys';
import { AgentAuthError, RegistrationsService } from './registrations.service';

const bundleChunkBytes = 64 * 1024;
/** Where hub replicas tell each other what to do with the agent sessions they hold. */
const sessionsChannel = 'capstan_agent_sessions';

/** For the replica holding a cluster's session: send it this hub message (base64 of its binary form), or end it. */
type SessionAnnouncement = { cluster: string; message: string } | { cluster: string; disconnect: string };
/** Heal instructions kept per cluster until its agent acknowledges them. */
const unacknowledgedCapacity = 1_000;

/** One open Connect stream of a cluster's agent. */
interface AgentSession {
  cluster: ClusterEntity;
  send(body: HubMessageBody): void;
  close(details: string): void;
}

export type HubMessageBody = MessageInitShape<typeof HubMessageSchema>['body'];

/** Re-apply the drifted object as git says it should be; the instruction carries the drift's id. */
function healInstruction(drift: DriftEntity): HubMessageBody {
  return { case: 'heal', value: { instructionId: drift.id, application: drift.application?.name ?? '', action: { case: 'reapply', value: { objects: [drift.objectRef] } } } };
}

/** Pause (true) or resume (false) every application on a cluster. */
export function clusterControl(pause: boolean): HubMessageBody {
  return { case: 'heal', value: { instructionId: '', application: '', action: pause ? { case: 'pause', value: {} } : { case: 'resume', value: {} } } };
}

/** Re-apply one application (or all when `application` is empty) from scratch. */
export function resyncInstruction(application: string): HubMessageBody {
  return { case: 'heal', value: { instructionId: '', application, action: { case: 'resync', value: {} } } };
}

function refusal(code: status, details: string): Partial<ServiceError> {
  return { code, details };
}

function bearer(metadata: Metadata): string | null {
  const value = metadata.get('authorization')[0];
  const match = typeof value === 'string' ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return match ? match[1] : null;
}

/** The gRPC API agents dial out to: Register, Connect, FetchBundle. TLS unless configured insecure. */
@Injectable()
export class AgentGrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentGrpcServer.name);
  private readonly server = new Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    // Channelz keeps a trace and counters per connection, for a debugging service the hub does not serve.
    'grpc.enable_channelz': 0,
  });
  readonly signer: BundleSigner;
  private boundPort = 0;
  /** Open agent sessions by cluster name: how to reach each agent now. */
  private readonly sessions = new Map<string, Set<AgentSession>>();
  /** Per cluster, across its sessions: sequence numbers, heal instructions not yet acknowledged, the last agent message handled. */
  private readonly channels = new Map<string, SequencedChannel<HubMessageBody>>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(DATABASE) private readonly database: Database,
    private readonly dataSource: DataSource,
    private readonly registrations: RegistrationsService,
    private readonly desiredState: DesiredStateService,
    private readonly events: DesiredStateEvents,
    private readonly statuses: ClusterStatusService,
    private readonly drifts: DriftService,
  ) {
    this.signer = BundleSigner.fromStateDir(config.stateDir);
  }

  /** The port agents connect to. */
  get port(): number {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe.push(await this.database.announcements.listen(sessionsChannel, (payload) => payload && this.onSessionAnnouncement(payload)));
    this.unsubscribe.push(this.events.onChanged((clusters) => {
      // Announcements may have been missed: every agent here gets its desired state again, which changes nothing where nothing changed.
      for (const name of clusters === 'all' ? [...this.sessions.keys()] : clusters) {
        for (const session of this.sessions.get(name) ?? []) {
          this.sendDesiredState(session.cluster, session.send).catch((error: Error) => this.logger.warn(`could not push desired state to ${name}: ${error.message}`));
        }
      }
    }));
    this.server.addService(grpcServiceDefinition(AgentService), { register: this.register, connect: this.connect, fetchBundle: this.fetchBundle });
    const credentials = this.config.grpcInsecure
      ? ServerCredentials.createInsecure()
      : (() => {
          const certificate = servingCertificate(this.config.stateDir);
          return ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(certificate.cert), private_key: Buffer.from(certificate.key) }], false);
        })();
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${this.config.host}:${this.config.grpcPort}`, credentials, (error, port) => (error ? reject(error) : resolve(port))),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    // Agents' sessions never end on their own: give calls in flight a moment, then close the rest.
    const forced = setTimeout(() => this.server.forceShutdown(), 1_000);
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    clearTimeout(forced);
  }

  private readonly register: handleUnaryCall<RegisterRequest, RegisterResponse> = (call, callback) => {
    this.registrations.register(call.request.bootstrapToken, { agentVersion: call.request.agentVersion, kubernetesVersion: call.request.kubernetesVersion }).then(
      (registered) => callback(null, create(RegisterResponseSchema, registered)),
      (error: unknown) => callback(this.toStatus(error, 'register')),
    );
  };

  private readonly fetchBundle: handleServerStreamingCall<FetchBundleRequest, BundleChunk> = (call) => {
    const fail = (error: unknown) => call.emit('error', this.toStatus(error, 'fetch a bundle'));
    this.authenticate(call.metadata)
      .then(async (cluster) => {
        const digest = call.request.digest;
        if (!(await this.desiredState.bundleAssigned(cluster, digest))) {
          throw Object.assign(new Error(`bundle ${digest} is not assigned to cluster ${cluster.name}`), { grpcCode: status.PERMISSION_DENIED });
        }
        const bundle = await this.dataSource.getRepository(RenderedBundleEntity).findOneByOrFail({ digest });
        const bytes = Buffer.from(canonicalJson(bundle.objects as JsonValue), 'utf8');
        for (let offset = 0; offset < bytes.length || offset === 0; offset += bundleChunkBytes) {
          const end = Math.min(offset + bundleChunkBytes, bytes.length);
          call.write(create(BundleChunkSchema, { data: bytes.subarray(offset, end), last: end >= bytes.length }));
          if (end >= bytes.length) break;
        }
        call.end();
      })
      .catch(fail);
  };

  private readonly connect: handleBidiStreamingCall<AgentMessage, HubMessage> = (call) => {
    this.authenticate(call.metadata).then(
      (cluster) => {
        const channel = this.channelOf(cluster.name);
        const write = (message: { sequence: bigint; incarnation: bigint; body: HubMessageBody }) => call.write(create(HubMessageSchema, message));
        const session: AgentSession = {
          cluster,
          send: (body) => {
            write(channel.stamp(body));
          },
          close: (details) => call.emit('error', refusal(status.UNAUTHENTICATED, details)),
        };
        const sessions = this.sessions.get(cluster.name) ?? new Set();
        const leave = () => sessions.delete(session);
        call.on('close', leave);
        call.on('cancelled', leave);
        // One message after another, each acknowledged once handled; a message that fails ends the session, and the agent resends it on the next.
        let handling = Promise.resolve();
        let failed = false;
        call.on('data', (message: AgentMessage) => {
          handling = handling.then(async () => {
            if (failed) return;
            if (message.body.case === 'ack') return channel.acknowledge(message.body.value.sequence);
            try {
              if (message.body.case === 'hello') {
                channel.acknowledge(message.body.value.lastAckedSequence, message.body.value.lastAckedIncarnation);
                // What the agent missed goes first, in order, so it is not taken for a duplicate of what follows.
                for (const unacknowledged of channel.unacknowledged()) write(unacknowledged);
                sessions.add(session);
                this.sessions.set(cluster.name, sessions);
              }
              if (channel.isNew(message)) await this.handleAgentMessage(cluster, message, session.send, channel);
            } catch (error) {
              if (!refusedData(error)) {
                failed = true;
                this.logger.warn(`cluster ${cluster.name}: ${(error as Error).message}`);
                return void call.emit('error', this.toStatus(error, 'handle a message'));
              }
              // Its content is what the database refuses: resent, it would fail again and hold up everything after it.
              this.logger.warn(`cluster ${cluster.name}: dropped a ${message.body.case} message the database refuses: ${(error as Error).message}`);
            }
            channel.handled(message);
            session.send({ case: 'ack', value: { sequence: message.sequence } });
          });
        });
        call.on('end', () => call.end());
      },
      (error: unknown) => call.emit('error', this.toStatus(error, 'connect')),
    );
  };

  private channelOf(clusterName: string): SequencedChannel<HubMessageBody> {
    let channel = this.channels.get(clusterName);
    if (!channel) {
      channel = new SequencedChannel<HubMessageBody>({ mustArrive: (body) => body?.case === 'heal', capacity: unacknowledgedCapacity });
      this.channels.set(clusterName, channel);
    }
    return channel;
  }

  private async handleAgentMessage(cluster: ClusterEntity, message: AgentMessage, send: (body: HubMessageBody) => void, channel: SequencedChannel<HubMessageBody>): Promise<void> {
    const clusters = this.dataSource.getRepository(ClusterEntity);
    switch (message.body.case) {
      case 'hello': {
        const hello = message.body.value;
        await clusters.update({ id: cluster.id }, { agentVersion: hello.agentVersion || null, kubernetesVersion: hello.kubernetesVersion || null, lastSeenAt: new Date() });
        // Whether the cluster is paused comes before anything the agent could apply; it may have missed a pause or a resume.
        const { paused } = await clusters.findOneByOrFail({ id: cluster.id });
        send(clusterControl(paused));
        await this.sendDesiredState(cluster, send);
        if (paused) return;
        // Heals instructed by a hub process that has since restarted, or by another replica, are not in this channel: they come from the database.
        const resent = new Set(channel.unacknowledged().flatMap((unacknowledged) => (unacknowledged.body?.case === 'heal' ? [unacknowledged.body.value.instructionId] : [])));
        for (const drift of await this.drifts.awaitingHeal(cluster.id)) if (!resent.has(drift.id)) send(healInstruction(drift));
        return;
      }
      case 'heartbeat':
        this.statuses.seen(cluster);
        return;
      case 'drift': {
        const report = message.body.value;
        const policy = (await this.statesInForce(cluster)).find((state) => state.application === report.application)?.healPolicy ?? 'alert';
        const drift = await this.drifts.record(cluster, report, policy);
        if (drift && policy === 'auto' && !report.healedLocallyAtUnixMs) {
          await this.drifts.markInstructed(drift, 'auto');
          send(healInstruction(drift));
        }
        return;
      }
      case 'healResult':
        await this.drifts.healed(cluster, message.body.value.instructionId, message.body.value.error);
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

  /** The cluster's desired state with the heal policy in force: on a paused cluster nothing is healed, drift is only recorded. */
  private async statesInForce(cluster: ClusterEntity): Promise<ApplicationDesiredState[]> {
    const { paused } = await this.dataSource.getRepository(ClusterEntity).findOneByOrFail({ id: cluster.id });
    const states = await this.desiredState.forCluster(cluster);
    return paused ? states.map((state) => ({ ...state, healPolicy: 'alert' })) : states;
  }

  /** Ends every open session of a cluster, on whichever replica holds it, e.g. once its credentials are revoked. */
  async disconnect(clusterName: string, reason: string): Promise<void> {
    await this.announce({ cluster: clusterName, disconnect: reason });
  }

  /** Sends the agent of `cluster` heal instructions for these drifts; false when the agent is not connected. */
  sendHeal(clusterName: string, drifts: readonly DriftEntity[]): Promise<boolean> {
    return this.instruct(clusterName, ...drifts.map(healInstruction));
  }

  /**
   * Sends instructions to the agent of `cluster`, through whichever replica holds its session;
   * false when the agent is not connected.
   */
  async instruct(clusterName: string, ...instructions: HubMessageBody[]): Promise<boolean> {
    const session = this.currentSession(clusterName);
    if (session) {
      for (const instruction of instructions) session.send(instruction);
      return true;
    }
    if (this.database.embedded) return false;
    const cluster = await this.dataSource.getRepository(ClusterEntity).findOneBy({ name: clusterName });
    if (!cluster?.lastSeenAt || Date.now() - cluster.lastSeenAt.getTime() >= connectionDeadlineMs) return false;
    for (const instruction of instructions) {
      await this.announce({ cluster: clusterName, message: Buffer.from(toBinary(HubMessageSchema, create(HubMessageSchema, { body: instruction }))).toString('base64') });
    }
    return true;
  }

  /** The newest session is the agent's current one; older ones are on their way out. */
  private currentSession(clusterName: string): AgentSession | undefined {
    return [...(this.sessions.get(clusterName) ?? [])].at(-1);
  }

  private announce(announcement: SessionAnnouncement): Promise<void> {
    return this.database.announcements.announce(sessionsChannel, JSON.stringify(announcement));
  }

  private onSessionAnnouncement(payload: string): void {
    let announcement: SessionAnnouncement;
    try {
      announcement = JSON.parse(payload) as SessionAnnouncement;
      if (typeof announcement.cluster !== 'string') throw new Error('no cluster');
    } catch {
      // Anyone who may use the database can NOTIFY: a malformed announcement is logged, never fatal.
      return this.logger.warn(`ignored a malformed agent-session announcement: ${payload.slice(0, 200)}`);
    }
    if ('disconnect' in announcement) {
      for (const session of this.sessions.get(announcement.cluster) ?? []) session.close(announcement.disconnect);
      this.sessions.delete(announcement.cluster);
      this.channels.delete(announcement.cluster);
      return;
    }
    const session = this.currentSession(announcement.cluster);
    if (!session) return;
    try {
      session.send(fromBinary(HubMessageSchema, Buffer.from(announcement.message, 'base64')).body);
    } catch (error) {
      this.logger.warn(`ignored an instruction for cluster ${announcement.cluster} that does not decode: ${(error as Error).message}`);
    }
  }

  private async sendDesiredState(cluster: ClusterEntity, send: (body: HubMessageBody) => void): Promise<void> {
    const applications = await this.desiredState.forCluster(cluster);
    send({
      case: 'desiredState',
      value: {
        applications: applications.map((state) => ({
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
  }

  private async authenticate(metadata: Metadata): Promise<ClusterEntity> {
    const credential = bearer(metadata);
    if (!credential) throw new AgentAuthError('missing "authorization: Bearer <cluster credential>" metadata');
    return this.registrations.authenticate(credential);
  }

  private toStatus(error: unknown, what: string): Partial<ServiceError> {
    if (error instanceof AgentAuthError) return refusal(status.UNAUTHENTICATED, error.message);
    const code = (error as { grpcCode?: status }).grpcCode;
    if (code !== undefined) return refusal(code, (error as Error).message);
    this.logger.error(`could not ${what}: ${(error as Error).stack ?? String(error)}`);
    return refusal(status.INTERNAL, `the hub could not ${what}`);
  }
}
