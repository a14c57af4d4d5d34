import { createHash, verify } from 'node:crypto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { testDatabaseKinds } from '@capstan/persistence';
import {
  type AgentMessage,
  AgentMessageSchema,
  AgentService,
  type BundleChunk,
  FetchBundleRequestSchema,
  grpcClientConstructor,
  HealPolicy,
  type HubMessage,
  RegisterRequestSchema,
  type RegisterResponse,
} from '@capstan/proto';
import { type Client, type ClientDuplexStream, credentials, makeGenericClientConstructor, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { DataSource } from 'typeorm';
import { TestGitRepository } from '../testing/git-repository';
import { startTestHub, type TestHub } from '../testing/test-hub';
import { until } from '../testing/wait';

type AgentClient = Client & {
  register(request: unknown, callback: (error: ServiceError | null, response?: RegisterResponse) => void): void;
  fetchBundle(request: unknown, metadata: Metadata): NodeJS.ReadableStream;
  connect(metadata: Metadata): ClientDuplexStream<AgentMessage, HubMessage>;
};

/** Collects what the hub sends on a stream until `done` says enough. */
function receiveUntil(stream: ClientDuplexStream<AgentMessage, HubMessage>, done: (messages: HubMessage[]) => boolean): Promise<HubMessage[]> {
  const messages: HubMessage[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (message: HubMessage) => {
      messages.push(message);
      if (done(messages)) resolve(messages);
    });
    stream.on('error', reject);
  });
}

const withCredential = (credential: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${credential}`);
  return metadata;
};

describe.each(testDatabaseKinds())('the agent gateway on %s', (kind) => {
  let hub: TestHub;
  let repository: TestGitRepository;
  let client: AgentClient;
  let hubPublicKey: string;
  const credentialsOf: Record<string, string> = {};

  const ok = <T>(query: string, variables: Record<string, unknown> = {}) => hub.data<T>(query, variables);
  const registration = async (name: string, labels: Record<string, string>) =>
    (await ok<{ createClusterRegistration: { token: string; hubPublicKey: string } }>(
      `mutation($name: String!, $labels: StringMap) { createClusterRegistration(input: { name: $name, labels: $labels }) { token hubPublicKey expiresAt agentCommand } }`,
      { name, labels },
    )).createClusterRegistration;
  const register = (token: string) =>
    new Promise<RegisterResponse>((resolve, reject) =>
      client.register(create(RegisterRequestSchema, { bootstrapToken: token, agentVersion: '0.1.0', kubernetesVersion: 'v1.33.0' }), (error, response) => (error ? reject(error) : resolve(response as RegisterResponse))),
    );
  const fetchBundle = (credential: string, digest: string) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const stream = client.fetchBundle(create(FetchBundleRequestSchema, { digest }), withCredential(credential));
      stream.on('data', (chunk: BundleChunk) => chunks.push(Buffer.from(chunk.data)));
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      stream.on('error', reject);
    });
  /** What each cluster should run of the application, by cluster name. */
  const digestsOf = async (): Promise<Record<string, string>> => {
    const { clusters } = await ok<{ clusters: { edges: Array<{ node: { name: string; desiredState: Array<{ application: string; bundleDigest: string }> } }> } }>(
      `{ clusters(first: 100) { edges { node { name desiredState { application bundleDigest } } } } }`,
    );
    return Object.fromEntries(clusters.edges.flatMap(({ node }) => node.desiredState.filter((state) => state.application === 'hello').map((state) => [node.name, state.bundleDigest])));
  };

  beforeAll(async () => {
    hub = await startTestHub(kind);
    const AgentClientClass = grpcClientConstructor(AgentService);
    client = new AgentClientClass(`127.0.0.1:${hub.hub.grpcPort}`, credentials.createInsecure()) as unknown as AgentClient;
    repository = await TestGitRepository.create();
    await repository.commit(
      { 'apps/hello/kustomization.yaml': 'resources:\n  - configmap.yaml\n', 'apps/hello/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\ndata:\n  cluster: ${cluster.name}\n' },
      'hello',
    );
    await ok(`mutation { createClusterGroup(input: { name: "east", selector: "zone=east", healPolicy: approve }) { name } }`);
    await ok(`mutation { createClusterGroup(input: { name: "west", selector: "zone=west" }) { name } }`);
  });
  afterAll(async () => {
    client.close();
    await hub.close();
    repository.remove();
  });

  it('registers a cluster once with a bootstrap token and refuses the token afterwards', async () => {
    const { token, hubPublicKey: key } = await registration('alpha', { zone: 'east' });
    hubPublicKey = key;
    await expect(register('capstan_not-a-token')).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: 'the bootstrap token is not valid' });
    const registered = await register(token);
    expect(registered.cluster).toBe('alpha');
    credentialsOf['alpha'] = registered.credential;
    await expect(register(token)).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringContaining('was already used') });
    expect(await ok(`{ cluster(name: "alpha") { labels agentVersion kubernetesVersion } }`)).toEqual({ cluster: { labels: { zone: 'east' }, agentVersion: '0.1.0', kubernetesVersion: 'v1.33.0' } });
    credentialsOf['beta'] = (await register((await registration('beta', { zone: 'west' })).token)).credential;
  });

  it('refuses an expired bootstrap token', async () => {
    const { token } = await registration('late', {});
    await hub.hub.app.get(DataSource).query(`UPDATE cluster_registrations SET expires_at = now() - interval '1 minute' WHERE cluster_name = 'late'`);
    await expect(register(token)).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringContaining('expired at') });
  });

  it('answers Hello with the desired state, each bundle digest signed with the hub key', async () => {
    await ok(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    await ok(`mutation { createApplication(input: { name: "hello", source: "fleet", basePath: "apps/hello", prune: true, targets: [{ group: "east" }, { group: "west" }] }) { name } }`);
    const deadline = Date.now() + 15_000;
    while (!(await digestsOf())?.['alpha'] && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const digests = (await digestsOf()) ?? {};

    const stream = client.connect(withCredential(credentialsOf['alpha']));
    const received = receiveUntil(stream, (messages) => messages.some((message) => message.body.case === 'ack'));
    stream.write(create(AgentMessageSchema, { sequence: 1n, body: { case: 'hello', value: { cluster: 'alpha', agentVersion: '0.1.1', kubernetesVersion: 'v1.33.1' } } }));
    const messages = await received;
    stream.end();
    // The Hello is acknowledged once handled, after whether the cluster is paused and the desired state it brought.
    expect(messages.map((message) => message.body.case)).toEqual(['heal', 'desiredState', 'ack']);
    expect(messages[0].body).toMatchObject({ case: 'heal', value: { action: { case: 'resume' } } });
    expect(messages[2].body).toMatchObject({ case: 'ack', value: { sequence: 1n } });
    const message = messages[1];
    const applications = message.body.case === 'desiredState' ? message.body.value.applications : [];
    expect(applications).toHaveLength(1);
    expect(applications[0]).toMatchObject({ application: 'hello', bundleDigest: digests['alpha'], prune: true, healPolicy: HealPolicy.APPROVE });
    expect(verify(null, Buffer.from(applications[0].bundleDigest), hubPublicKey, Buffer.from(applications[0].bundleSignature))).toBe(true);
    expect(verify(null, Buffer.from(digests['beta']), hubPublicKey, Buffer.from(applications[0].bundleSignature))).toBe(false);
  });

  it('streams a cluster its own bundle, whose content matches the digest', async () => {
    const digests = (await digestsOf()) ?? {};
    const json = await fetchBundle(credentialsOf['alpha'], digests['alpha']);
    expect(`sha256:${createHash('sha256').update(json).digest('hex')}`).toBe(digests['alpha']);
    expect(JSON.parse(json)).toEqual([{ apiVersion: 'v1', data: { cluster: 'alpha' }, kind: 'ConfigMap', metadata: { name: 'hello' } }]);
  });

  it("refuses a cluster another cluster's bundle", async () => {
    const digests = (await digestsOf()) ?? {};
    expect(digests['alpha']).not.toBe(digests['beta']);
    await expect(fetchBundle(credentialsOf['alpha'], digests['beta'])).rejects.toMatchObject({ code: status.PERMISSION_DENIED, details: `bundle ${digests['beta']} is not assigned to cluster alpha` });
  });

  it('resends after a reconnect the heal instruction the agent did not acknowledge, and handles a resent report once', async () => {
    credentialsOf['gamma'] = (await register((await registration('gamma', { zone: 'west' })).token)).credential;
    await until(async () => (await digestsOf())?.['gamma'] !== undefined);
    const drift = create(AgentMessageSchema, {
      sequence: 11n,
      body: {
        case: 'drift',
        value: { application: 'hello', object: { version: 'v1', kind: 'ConfigMap', name: 'hello' }, fields: [{ path: 'data.cluster', desiredJson: '"gamma"', liveJson: '"by hand"', changedBy: 'kubectl-edit' }], observedAtUnixMs: BigInt(Date.now()) },
      },
    });
    const isHeal = (message: HubMessage) => message.body.case === 'heal' && message.body.value.action.case === 'reapply';

    const first = client.connect(withCredential(credentialsOf['gamma']));
    const beforeCut = receiveUntil(first, (messages) => messages.some(isHeal));
    first.write(create(AgentMessageSchema, { sequence: 10n, body: { case: 'hello', value: { cluster: 'gamma' } } }));
    first.write(drift);
    const beforeCutMessages = await beforeCut;
    const desired = beforeCutMessages.find((message) => message.body.case === 'desiredState') as HubMessage;
    const heal = beforeCutMessages.find(isHeal) as HubMessage;
    expect(heal.body).toMatchObject({ case: 'heal', value: { application: 'hello', action: { case: 'reapply' } } });
    // Cut off before acknowledging the instruction.
    first.cancel();

    const second = client.connect(withCredential(credentialsOf['gamma']));
    const afterReconnect = receiveUntil(second, (messages) => messages.some((message) => message.body.case === 'ack' && message.body.value.sequence === 12n));
    // As an agent does: first what the hub did not acknowledge, then Hello saying what it last handled.
    second.write(drift);
    second.write(create(AgentMessageSchema, { sequence: 12n, body: { case: 'hello', value: { cluster: 'gamma', lastAckedSequence: desired.sequence, lastAckedIncarnation: desired.incarnation } } }));
    const messages = await afterReconnect;
    second.end();
    expect(messages.map((message) => message.body.case)).toEqual(['ack', 'heal', 'heal', 'desiredState', 'ack']);
    expect(messages[0].body).toMatchObject({ case: 'ack', value: { sequence: 11n } });
    // The very message, with its sequence; the heal is not sent a second time from the database.
    expect(messages[1]).toEqual(heal);
    expect(messages[2].body).toMatchObject({ case: 'heal', value: { action: { case: 'resume' } } });
    const { events } = await ok<{ events: { edges: unknown[] } }>(`{ events(cluster: "gamma", type: "drift.detected") { edges { node { id } } } }`);
    expect(events.edges).toHaveLength(1);
  });

  it('drops a message whose content the database refuses, acknowledging it so that it does not hold up the session', async () => {
    credentialsOf['delta'] = (await register((await registration('delta', { zone: 'west' })).token)).credential;
    await until(async () => (await digestsOf())?.['delta'] !== undefined);
    const stream = client.connect(withCredential(credentialsOf['delta']));
    const received = receiveUntil(stream, (messages) => messages.some((message) => message.body.case === 'ack' && message.body.value.sequence === 3n));
    stream.write(create(AgentMessageSchema, { sequence: 1n, body: { case: 'hello', value: { cluster: 'delta' } } }));
    // A NUL character, which PostgreSQL's jsonb cannot hold.
    const poisoned = { path: 'data.cluster', desiredJson: '"delta"', liveJson: '"by\u0000hand"', changedBy: 'kubectl-edit' };
    stream.write(create(AgentMessageSchema, { sequence: 2n, body: { case: 'drift', value: { application: 'hello', object: { version: 'v1', kind: 'ConfigMap', name: 'hello' }, fields: [poisoned] } } }));
    stream.write(create(AgentMessageSchema, { sequence: 3n, body: { case: 'heartbeat', value: {} } }));
    const acknowledged = (await received).flatMap((message) => (message.body.case === 'ack' ? [message.body.value.sequence] : []));
    stream.end();
    expect(acknowledged).toEqual([1n, 2n, 3n]);
  });

  it('handles the messages of a restarted agent, however far its previous run had numbered', async () => {
    credentialsOf['epsilon'] = (await register((await registration('epsilon', { zone: 'west' })).token)).credential;
    await until(async () => (await digestsOf())?.['epsilon'] !== undefined);
    const session = async (incarnation: bigint, messages: Array<MessageInitShape<typeof AgentMessageSchema>>) => {
      const stream = client.connect(withCredential(credentialsOf['epsilon']));
      const last = messages.at(-1)?.sequence;
      const received = receiveUntil(stream, (answers) => answers.some((answer) => answer.body.case === 'ack' && answer.body.value.sequence === last));
      for (const message of messages) stream.write(create(AgentMessageSchema, { ...message, incarnation }));
      await received;
      stream.cancel();
    };
    // A clock far ahead numbered the first run's messages.
    await session(5n, [{ sequence: 2n ** 62n, body: { case: 'hello', value: { cluster: 'epsilon' } } }]);
    const drift = { application: 'hello', object: { version: 'v1', kind: 'ConfigMap', name: 'hello' }, fields: [{ path: 'data.cluster', desiredJson: '"epsilon"', liveJson: '"by hand"', changedBy: 'kubectl-edit' }], observedAtUnixMs: BigInt(Date.now()) };
    await session(6n, [
      { sequence: 1n, body: { case: 'hello', value: { cluster: 'epsilon' } } },
      { sequence: 2n, body: { case: 'drift', value: drift } },
    ]);
    const { events } = await ok<{ events: { edges: unknown[] } }>(`{ events(cluster: "epsilon", type: "drift.detected") { edges { node { id } } } }`);
    expect(events.edges).toHaveLength(1);
  });

  it('closes a stream sending a malformed or oversized message with a status, and keeps serving', async () => {
    const RawClient = makeGenericClientConstructor(
      { connect: { path: '/capstan.agent.v1.AgentService/Connect', requestStream: true, responseStream: true, requestSerialize: (bytes: Buffer) => bytes, requestDeserialize: (bytes: Buffer) => bytes, responseSerialize: (bytes: Buffer) => bytes, responseDeserialize: (bytes: Buffer) => bytes } },
      'RawAgentService',
    );
    const raw = new RawClient(`127.0.0.1:${hub.hub.grpcPort}`, credentials.createInsecure()) as unknown as { connect(metadata: Metadata): ClientDuplexStream<Buffer, Buffer> } & Client;
    const closedWith = (payload: Buffer) =>
      new Promise<ServiceError>((resolve) => {
        const stream = raw.connect(withCredential(credentialsOf['alpha']));
        stream.on('error', resolve);
        stream.on('data', () => undefined);
        stream.write(payload);
      });
    try {
      expect(await closedWith(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]))).toMatchObject({ code: status.INTERNAL, details: 'Error deserializing request' });
      expect(await closedWith(Buffer.alloc(5 * 1024 * 1024, 1))).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    } finally {
      raw.close();
    }
    const { token } = await registration('after-garbage', {});
    expect((await register(token)).cluster).toBe('after-garbage');
  });

  it('refuses a revoked credential, and ends the session it has open', async () => {
    const digests = (await digestsOf()) ?? {};
    const session = client.connect(withCredential(credentialsOf['beta']));
    const ended = new Promise<ServiceError>((resolve) => session.on('error', resolve));
    const answered = new Promise((resolve) => session.once('data', resolve));
    session.write(create(AgentMessageSchema, { sequence: 1n, body: { case: 'hello', value: { cluster: 'beta' } } }));
    await answered;
    expect(await ok(`mutation { revokeClusterCredentials(cluster: "beta", reason: "decommissioned") }`)).toEqual({ revokeClusterCredentials: 1 });
    await expect(fetchBundle(credentialsOf['beta'], digests['beta'])).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: 'the credential of cluster beta was revoked' });
    expect(await ended).toMatchObject({ code: status.UNAUTHENTICATED, details: 'the credential of cluster beta was revoked' });
  });
});
