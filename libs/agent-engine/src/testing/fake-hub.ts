import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { canonicalJson, type JsonObject } from '@capstan/manifest';
import {
  type AgentMessage,
  AgentService,
  type ApplicationDesiredStateSchema,
  type BundleChunk,
  BundleChunkSchema,
  type FetchBundleRequest,
  grpcServiceDefinition,
  HealPolicy,
  type HubMessage,
  HubMessageSchema,
  type RegisterRequest,
  type RegisterResponse,
  RegisterResponseSchema,
  SequencedChannel,
} from '@capstan/proto';
import { type handleBidiStreamingCall, type handleServerStreamingCall, type handleUnaryCall, type Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';

type HubMessageBody = MessageInitShape<typeof HubMessageSchema>['body'];
type AgentMessageCase = NonNullable<AgentMessage['body']['case']>;
type BodyOf<Case extends AgentMessageCase> = Extract<AgentMessage['body'], { case: Case }>['value'];
type DesiredStateInit = MessageInitShape<typeof ApplicationDesiredStateSchema>;

/** What an application should be on the agent's cluster, as a spec sets it. */
export interface FakeApplication {
  objects: JsonObject[];
  revision?: string;
  prune?: boolean;
  healPolicy?: HealPolicy;
  ignoreRules?: Array<{ jsonPointer: string; kind?: string }>;
}

/**
 * The hub as the agent sees it, for the agent's own specs: registers, signs and serves bundles,
 * sends the desired state on every Hello, records and acknowledges what agents send, and can
 * refuse credentials or go away and come back on the same port.
 */
export class FakeHub {
  readonly credential = 'capstan_fake-cluster-credential';
  readonly publicKey: string;
  /** Every agent message received, in order, duplicates included. */
  readonly received: AgentMessage[] = [];
  /** When set, Connect and FetchBundle refuse every credential with these details. */
  refuseCredentials: string | null = null;
  /** Whether agent messages are acknowledged; unacknowledged ones the agent must send again on its next session. */
  acknowledging = true;
  private readonly privateKey: KeyObject;
  private readonly bundles = new Map<string, string>();
  private applications: DesiredStateInit[] = [];
  private readonly channel = new SequencedChannel<HubMessageBody>({ mustArrive: () => false, capacity: 1 });
  private readonly streams = new Set<Parameters<handleBidiStreamingCall<AgentMessage, HubMessage>>[0]>();
  private server: Server | null = null;
  private boundPort = 0;

  private constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    this.publicKey = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  static async start(): Promise<FakeHub> {
    const hub = new FakeHub();
    await hub.listen(0);
    return hub;
  }

  get address(): string {
    return `127.0.0.1:${this.boundPort}`;
  }

  /** Whether an agent's session is open. */
  get connected(): boolean {
    return this.streams.size > 0;
  }

  /** Sets what the cluster should run and sends it to connected agents. */
  setApplications(applications: Record<string, FakeApplication>): void {
    this.applications = Object.entries(applications).map(([application, spec]) => {
      const json = canonicalJson(spec.objects);
      const digest = `sha256:${createHash('sha256').update(json, 'utf8').digest('hex')}`;
      this.bundles.set(digest, json);
      return {
        application,
        revision: spec.revision ?? `${application}-${digest.slice(7, 15)}`,
        commitSha: digest.slice(7, 47),
        bundleDigest: digest,
        bundleSignature: sign(null, Buffer.from(digest, 'utf8'), this.privateKey),
        prune: spec.prune ?? false,
        healPolicy: spec.healPolicy ?? HealPolicy.ALERT,
        ignoreRules: spec.ignoreRules ?? [],
      };
    });
    this.broadcast({ case: 'desiredState', value: { applications: this.applications } });
  }

  /** Sends a hub message to connected agents. */
  broadcast(body: HubMessageBody): void {
    for (const stream of this.streams) stream.write(create(HubMessageSchema, this.channel.stamp(body)));
  }

  /** The bodies of the messages received of one kind, in order. */
  bodies<Case extends AgentMessageCase>(kind: Case): Array<BodyOf<Case>> {
    return this.received.flatMap((message) => (message.body.case === kind ? [message.body.value as BodyOf<Case>] : []));
  }

  /** Ends every session at once and stops listening, as a hub that goes away. */
  stop(): void {
    this.streams.clear();
    this.server?.forceShutdown();
    this.server = null;
  }

  /** Listens again on the same port, as a hub that comes back. */
  restart(): Promise<void> {
    return this.listen(this.boundPort);
  }

  private async listen(port: number): Promise<void> {
    const server = new Server();
    server.addService(grpcServiceDefinition(AgentService), { register: this.register, connect: this.connect, fetchBundle: this.fetchBundle });
    this.boundPort = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    this.server = server;
  }

  private refusal(metadata: Metadata): string | null {
    if (this.refuseCredentials !== null) return this.refuseCredentials;
    return metadata.get('authorization')[0] === `Bearer ${this.credential}` ? null : 'unknown credential';
  }

  private readonly register: handleUnaryCall<RegisterRequest, RegisterResponse> = (_call, callback) => {
    callback(null, create(RegisterResponseSchema, { cluster: 'fake', credential: this.credential }));
  };

  private readonly fetchBundle: handleServerStreamingCall<FetchBundleRequest, BundleChunk> = (call) => {
    const refused = this.refusal(call.metadata);
    if (refused) return call.emit('error', { code: status.UNAUTHENTICATED, details: refused });
    const json = this.bundles.get(call.request.digest);
    if (json === undefined) return call.emit('error', { code: status.NOT_FOUND, details: `no bundle ${call.request.digest}` });
    call.write(create(BundleChunkSchema, { data: Buffer.from(json, 'utf8'), last: true }));
    call.end();
  };

  private readonly connect: handleBidiStreamingCall<AgentMessage, HubMessage> = (call) => {
    const refused = this.refusal(call.metadata);
    if (refused) return call.emit('error', { code: status.UNAUTHENTICATED, details: refused });
    this.streams.add(call);
    const leave = () => this.streams.delete(call);
    call.on('close', leave);
    call.on('cancelled', leave);
    call.on('error', leave);
    call.on('data', (message: AgentMessage) => {
      this.received.push(message);
      if (message.body.case === 'ack') return;
      if (message.body.case === 'hello') call.write(create(HubMessageSchema, this.channel.stamp({ case: 'desiredState', value: { applications: this.applications } })));
      if (this.acknowledging) call.write(create(HubMessageSchema, this.channel.stamp({ case: 'ack', value: { sequence: message.sequence } })));
    });
    call.on('end', () => call.end());
  };
}
