import { create } from '@bufbuild/protobuf';
import { type Client, credentials, type handleBidiStreamingCall, type handleServerStreamingCall, type handleUnaryCall, Metadata, Server, ServerCredentials, type ServiceError, status } from '@grpc/grpc-js';
import {
  type AgentMessage,
  AgentMessageSchema,
  AgentService,
  type BundleChunk,
  BundleChunkSchema,
  type FetchBundleRequest,
  FetchBundleRequestSchema,
  HealPolicy,
  type HubMessage,
  HubMessageSchema,
  type RegisterRequest,
  RegisterRequestSchema,
  type RegisterResponse,
  RegisterResponseSchema,
} from './generated/capstan/agent/v1/agent_pb';
import { grpcClientConstructor, grpcServiceDefinition } from './grpc-service';

type AgentClient = Client & {
  register(request: RegisterRequest, callback: (error: ServiceError | null, response?: RegisterResponse) => void): void;
  fetchBundle(request: FetchBundleRequest): NodeJS.ReadableStream;
  connect(metadata: Metadata): NodeJS.ReadWriteStream & { write(message: AgentMessage): boolean };
};

describe('the agent protocol over @grpc/grpc-js', () => {
  let server: Server;
  let client: AgentClient;

  beforeAll(async () => {
    server = new Server();
    const register: handleUnaryCall<RegisterRequest, RegisterResponse> = (call, callback) => {
      if (call.request.bootstrapToken !== 'good') return callback({ code: status.UNAUTHENTICATED, details: 'bootstrap token is not valid' });
      callback(null, create(RegisterResponseSchema, { cluster: 'eu-1', credential: 'secret' }));
    };
    const fetchBundle: handleServerStreamingCall<FetchBundleRequest, BundleChunk> = (call) => {
      call.write(create(BundleChunkSchema, { data: Buffer.from('part-1;'), last: false }));
      call.write(create(BundleChunkSchema, { data: Buffer.from(call.request.digest), last: true }));
      call.end();
    };
    const connect: handleBidiStreamingCall<AgentMessage, HubMessage> = (call) => {
      call.on('data', (message: AgentMessage) => {
        if (message.body.case === 'hello') {
          call.write(
            create(HubMessageSchema, {
              sequence: 1n,
              body: { case: 'desiredState', value: { applications: [{ application: 'web', bundleDigest: 'd1', healPolicy: HealPolicy.APPROVE, prune: true }] } },
            }),
          );
          call.end();
        }
      });
    };
    server.addService(grpcServiceDefinition(AgentService), { register, fetchBundle, connect });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    const AgentClientClass = grpcClientConstructor(AgentService);
    client = new AgentClientClass(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as AgentClient;
  });
  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  it('makes a unary call and carries a refusal as a gRPC status', async () => {
    const response = await new Promise<RegisterResponse | undefined>((resolve, reject) => client.register(create(RegisterRequestSchema, { bootstrapToken: 'good' }), (error, value) => (error ? reject(error) : resolve(value))));
    expect(response).toMatchObject({ cluster: 'eu-1', credential: 'secret' });
    const refusal = await new Promise<ServiceError | null>((resolve) => client.register(create(RegisterRequestSchema, { bootstrapToken: 'bad' }), (error) => resolve(error)));
    expect(refusal).toMatchObject({ code: status.UNAUTHENTICATED, details: 'bootstrap token is not valid' });
  });

  it('streams chunks from the server', async () => {
    const chunks: BundleChunk[] = [];
    const stream = client.fetchBundle(create(FetchBundleRequestSchema, { digest: 'abc' }));
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: BundleChunk) => chunks.push(chunk));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    expect(Buffer.concat(chunks.map((chunk) => chunk.data)).toString()).toBe('part-1;abc');
    expect(chunks.map((chunk) => chunk.last)).toEqual([false, true]);
  });

  it('exchanges oneof messages both ways on a bidirectional stream', async () => {
    const stream = client.connect(new Metadata());
    const received = new Promise<HubMessage>((resolve, reject) => {
      stream.on('data', resolve);
      stream.on('error', reject);
    });
    stream.write(create(AgentMessageSchema, { sequence: 1n, body: { case: 'hello', value: { cluster: 'eu-1', heldDigests: ['d0'] } } }));
    const message = await received;
    expect(message.sequence).toBe(1n);
    expect(message.body.case).toBe('desiredState');
    expect(message.body.case === 'desiredState' && message.body.value.applications[0]).toMatchObject({ application: 'web', bundleDigest: 'd1', healPolicy: HealPolicy.APPROVE, prune: true });
    stream.end();
  });
});
