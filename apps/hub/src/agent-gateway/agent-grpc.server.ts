import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { KeyedSerialQueue } from '@capstan/async';
import { canonicalJson, type JsonValue } from '@capstan/manifest';
import { type ClusterEntity, refusedData, RenderedBundleEntity } from '@capstan/persistence';
import {
  type AgentMessage,
  AgentService,
  type BundleChunk,
  BundleChunkSchema,
  type FetchBundleRequest,
  grpcServiceDefinition,
  type HubMessage,
  HubMessageSchema,
  maxMessageBytes,
  type RegisterRequest,
  type RegisterResponse,
  RegisterResponseSchema,
  type Sequenced,
} from '@capstan/proto';
import { type handleBidiStreamingCall, type handleServerStreamingCall, type handleUnaryCall, type Metadata, Server, ServerCredentials, type ServerDuplexStream, type ServiceError, status } from '@grpc/grpc-js';
import { DataSource } from 'typeorm';
import type { HubConfig } from '../config/hub-config';
import { HUB_CONFIG } from '../config/hub-config.module';
import { DesiredStatesService } from '../desired-states/desired-states.service';
import type { HubMessageBody } from './agent-instructions';
import { AgentMessageHandler } from './agent-messages.handler';
import { type AgentSession, AgentSessionRegistry } from './agent-sessions';
import { servingCertificate } from './hub-keys';
import { BatchWriterClosedError } from './status-writer';
import { AgentAuthError, RegistrationsService } from './registrations.service';

const bundleChunkBytes = 64 * 1024;

function refusal(code: status, details: string): Partial<ServiceError> {
  return { code, details };
}

function bearer(metadata: Metadata): string | null {
  const value = metadata.get('authorization')[0];
  const match = typeof value === 'string' ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return match ? match[1] : null;
}

/**
 * The gRPC API agents dial out to, TLS unless configured insecure: Register, FetchBundle, and the
 * Connect stream, whose sessions join the registry and whose messages the handler handles, one
 * after another per session, each acknowledged once handled.
 */
@Injectable()
export class AgentGrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentGrpcServer.name);
  private readonly server = new Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    // Channelz keeps a trace and counters per connection, for a debugging service the hub does not serve.
    'grpc.enable_channelz': 0,
  });
  private boundPort = 0;
  /** Each session's messages, handled one after another. */
  private readonly handling = new KeyedSerialQueue<AgentSession>();
  /** The Connect streams open now: ended at shutdown, as nothing else ends them. */
  private readonly streams = new Set<ServerDuplexStream<AgentMessage, HubMessage>>();

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly dataSource: DataSource,
    private readonly registrations: RegistrationsService,
    private readonly desiredStates: DesiredStatesService,
    private readonly sessions: AgentSessionRegistry,
    private readonly handler: AgentMessageHandler,
  ) {}

  /** The port agents connect to. */
  get port(): number {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
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
    // Agents' sessions never end on their own, and a connection with a stream open outlives even
    // forceShutdown by half a minute: each agent is told the hub is going (it reconnects, to
    // another replica or to this one restarted); other calls in flight get a moment.
    for (const stream of this.streams) stream.emit('error', refusal(status.UNAVAILABLE, 'the hub is shutting down'));
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
        if (!(await this.desiredStates.bundleAssigned(cluster, digest))) {
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
    this.streams.add(call);
    call.on('close', () => this.streams.delete(call));
    this.authenticate(call.metadata).then(
      (cluster) => {
        const channel = this.sessions.channelOf(cluster.name);
        const write = (message: Sequenced<HubMessageBody>) => call.write(create(HubMessageSchema, message));
        const session: AgentSession = {
          cluster,
          send: (body) => write(channel.stamp(body)),
          close: (details) => call.emit('error', refusal(status.UNAUTHENTICATED, details)),
        };
        let leave: () => void = () => undefined;
        call.on('close', () => leave());
        call.on('cancelled', () => leave());
        // A message that fails ends the session, and the agent resends it on the next.
        let failed = false;
        call.on('data', (message: AgentMessage) => {
          void this.handling.run(session, async () => {
            if (failed) return;
            if (message.body.case === 'ack') return channel.acknowledge(message.body.value.sequence);
            try {
              if (message.body.case === 'hello') {
                channel.acknowledge(message.body.value.lastAckedSequence, message.body.value.lastAckedIncarnation);
                // What the agent missed goes first, in order, so it is not taken for a duplicate of what follows.
                for (const unacknowledged of channel.unacknowledged()) write(unacknowledged);
                leave = this.sessions.join(session);
              }
              if (channel.isNew(message)) await this.handler.handle(session, message);
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

  private async authenticate(metadata: Metadata): Promise<ClusterEntity> {
    const credential = bearer(metadata);
    if (!credential) throw new AgentAuthError('missing "authorization: Bearer <cluster credential>" metadata');
    return this.registrations.authenticate(credential);
  }

  private toStatus(error: unknown, what: string): Partial<ServiceError> {
    if (error instanceof AgentAuthError) return refusal(status.UNAUTHENTICATED, error.message);
    // A stopping hub no longer records reports: the agent's next session (with another replica, or this one restarted) takes them again.
    if (error instanceof BatchWriterClosedError) return refusal(status.UNAVAILABLE, error.message);
    const code = (error as { grpcCode?: status }).grpcCode;
    if (code !== undefined) return refusal(code, (error as Error).message);
    this.logger.error(`could not ${what}: ${(error as Error).stack ?? String(error)}`);
    return refusal(status.INTERNAL, `the hub could not ${what}`);
  }
}
