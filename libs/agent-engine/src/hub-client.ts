import { create } from '@bufbuild/protobuf';
import { type AgentMessage, AgentService, type BundleChunk, FetchBundleRequestSchema, grpcClientConstructor, type HubMessage, maxMessageBytes, RegisterRequestSchema, type RegisterResponse } from '@capstan/proto';
import { type Client, type ClientDuplexStream, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';

/** How to reach the hub. */
export interface HubEndpoint {
  /** host:port of the hub's gRPC API. */
  address: string;
  /** Plain-text gRPC, for local use only. */
  insecure: boolean;
  /** PEM of the certificate authority that signed the hub's certificate (its self-signed certificate by default). */
  certificateAuthority?: string;
}

type AgentServiceClient = Client & {
  register(request: unknown, callback: (error: ServiceError | null, response?: RegisterResponse) => void): void;
  fetchBundle(request: unknown, metadata: Metadata): NodeJS.ReadableStream;
  connect(metadata: Metadata): ClientDuplexStream<AgentMessage, HubMessage>;
};

const AgentServiceClientClass = grpcClientConstructor(AgentService);

/** The agent's side of the hub protocol: the one place that speaks gRPC to the hub. */
export class HubClient {
  private readonly client: AgentServiceClient;

  /**
   * `reconnect` bounds the channel's own backoff too: left at grpc-js's defaults (up to 120 s) a
   * channel that lost a restarting hub would keep the agent away long after the session retries.
   */
  constructor(endpoint: HubEndpoint, reconnect: { initialMs: number; maxMs: number }) {
    const channelCredentials = endpoint.insecure ? credentials.createInsecure() : credentials.createSsl(endpoint.certificateAuthority ? Buffer.from(endpoint.certificateAuthority) : null);
    this.client = new AgentServiceClientClass(endpoint.address, channelCredentials, {
      'grpc.max_receive_message_length': maxMessageBytes,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.initial_reconnect_backoff_ms': reconnect.initialMs,
      'grpc.max_reconnect_backoff_ms': reconnect.maxMs,
    }) as unknown as AgentServiceClient;
  }

  /** Exchanges a bootstrap token for the cluster's credential. */
  register(bootstrapToken: string, versions: { agentVersion: string; kubernetesVersion: string }): Promise<RegisterResponse> {
    return new Promise((resolve, reject) =>
      this.client.register(create(RegisterRequestSchema, { bootstrapToken, ...versions }), (error, response) => (error ? reject(error) : resolve(response as RegisterResponse))),
    );
  }

  /** Opens the session stream, authenticated as the cluster. */
  connect(credential: string): ClientDuplexStream<AgentMessage, HubMessage> {
    return this.client.connect(this.metadata(credential));
  }

  /** Downloads a bundle's canonical JSON. */
  fetchBundle(credential: string, digest: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const stream = this.client.fetchBundle(create(FetchBundleRequestSchema, { digest }), this.metadata(credential));
      stream.on('data', (chunk: BundleChunk) => chunks.push(Buffer.from(chunk.data)));
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      stream.on('error', reject);
    });
  }

  close(): void {
    this.client.close();
  }

  private metadata(credential: string): Metadata {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${credential}`);
    return metadata;
  }
}
