import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ClusterEntity, type Database, type DriftEntity } from '@capstan/persistence';
import { HubMessageSchema, SequencedChannel } from '@capstan/proto';
import { DataSource } from 'typeorm';
import { DATABASE } from '../database/database.module';
import { healInstruction, heardFromLately, type HubMessageBody } from './agent-instructions';

/** Where hub replicas tell each other what to do with the agent sessions they hold. */
const sessionsChannel = 'capstan_agent_sessions';
/** Heal instructions kept per cluster until its agent acknowledges them. */
const unacknowledgedCapacity = 1_000;

/** For the replica holding a cluster's session: send it this hub message (base64 of its binary form), or end it. */
type SessionAnnouncement = { cluster: string; message: string } | { cluster: string; disconnect: string };

/** One open Connect stream of a cluster's agent. */
export interface AgentSession {
  cluster: ClusterEntity;
  /** Numbers the message in the cluster's channel and writes it on this stream. */
  send(body: HubMessageBody): void;
  close(details: string): void;
}

/**
 * The agent sessions this replica holds, and the way to any agent's session on whichever replica
 * holds it (PostgreSQL LISTEN/NOTIFY): instructions, disconnection. Per cluster, across its
 * sessions, one sequenced channel keeps what the agent has not acknowledged.
 */
@Injectable()
export class AgentSessionRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentSessionRegistry.name);
  private readonly sessions = new Map<string, Set<AgentSession>>();
  private readonly channels = new Map<string, SequencedChannel<HubMessageBody>>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.database.announcements.listen(sessionsChannel, (payload) => payload && this.onAnnouncement(payload));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  /** The cluster's channel: sequence numbers and what must still reach its agent, across sessions. */
  channelOf(clusterName: string): SequencedChannel<HubMessageBody> {
    let channel = this.channels.get(clusterName);
    if (!channel) {
      channel = new SequencedChannel<HubMessageBody>({ mustArrive: (body) => body?.case === 'heal', capacity: unacknowledgedCapacity });
      this.channels.set(clusterName, channel);
    }
    return channel;
  }

  /** The session reaches its agent from now on (once its Hello is handled), until it ends. */
  join(session: AgentSession): () => void {
    const name = session.cluster.name;
    const sessions = this.sessions.get(name) ?? new Set();
    sessions.add(session);
    this.sessions.set(name, sessions);
    return () => sessions.delete(session);
  }

  /** Sessions held here: of one cluster, or of every cluster. */
  local(clusterName?: string): AgentSession[] {
    if (clusterName !== undefined) return [...(this.sessions.get(clusterName) ?? [])];
    return [...this.sessions.values()].flatMap((sessions) => [...sessions]);
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
    if (!heardFromLately(cluster?.lastSeenAt)) return false;
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

  private onAnnouncement(payload: string): void {
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
}
