import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKubeconfig, KubeSimServer } from '@capstan/kube-sim';
import { provisionTestDatabase, type ProvisionedDatabase, testDatabaseKinds } from '@capstan/persistence';
import { TestGitRepository } from '../testing/git-repository';
import { type GitHttpServer, startGitHttpServer } from '../testing/git-http-server';
import { type HubProcess, repositoryRoot, spawnHubProcess } from '../testing/hub-process';
import { graphqlData, postGraphql } from '../testing/test-hub';
import { until } from '../testing/wait';

const secret = (prefix: string) => `${prefix}${randomBytes(18).toString('base64url')}`;

/**
 * The hub run as a process at log level trace, through a session that handles every kind of
 * secret it knows: an admin token without the capstan_ prefix, a scoped token, a bootstrap
 * token, a cluster credential, a webhook secret, a git credential, and tokens it refuses. None
 * may appear anywhere in what the hub writes.
 */
describe.each(testDatabaseKinds())('the hub’s log on %s', (kind) => {
  const secrets: Record<string, string> = {
    adminToken: secret('admin-'),
    webhookSecret: secret('webhook-'),
    gitToken: secret('git-'),
    wrongGitlabToken: secret('gitlab-'),
    unknownBearer: secret('capstan_'),
    cookie: secret('cookie-'),
  };
  const stateDir = mkdtempSync(join(tmpdir(), 'capstan-log-'));
  const agentDir = mkdtempSync(join(tmpdir(), 'capstan-log-agent-'));
  let database: ProvisionedDatabase;
  let hub: HubProcess;
  let url: string;
  let grpcPort: number;
  let kubeSim: KubeSimServer;
  let repository: TestGitRepository;
  let gitServer: GitHttpServer;
  let agent: ChildProcess | undefined;

  const admin = <T>(query: string, variables: Record<string, unknown> = {}) => graphqlData<T>(url, secrets.adminToken, query, variables);

  beforeAll(async () => {
    database = await provisionTestDatabase(kind);
    hub = spawnHubProcess(['--host', '127.0.0.1', '--port', '0', '--grpc-port', '0', '--grpc-insecure', 'true', '--state-dir', stateDir, '--log-level', 'trace'], {
      CAPSTAN_ADMIN_TOKEN: secrets.adminToken,
      DATABASE_URL: database.databaseUrl ?? '',
    });
    ({ url, grpcPort } = await hub.ready());
    kubeSim = new KubeSimServer();
    await kubeSim.start();
    repository = await TestGitRepository.create();
    await repository.commit({ 'apps/web/kustomization.yaml': 'resources:\n  - web.yaml\n', 'apps/web/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: default\n' }, 'web');
    gitServer = await startGitHttpServer(repository.dir, 'git', secrets.gitToken);
  });
  afterAll(async () => {
    if (agent?.pid) {
      try {
        process.kill(-agent.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    await hub.stop();
    await gitServer.close();
    await kubeSim.stop();
    repository.remove();
    await database.dispose();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(agentDir, { recursive: true, force: true });
  });

  it('holds no token, credential or secret it handled', async () => {
    // API tokens: the admin's, a scoped one, an unknown one; a refused mutation and a lookup of nothing.
    await admin(`{ whoami { name } }`);
    expect((await postGraphql(url, secrets.unknownBearer, `{ whoami { name } }`)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await admin(`mutation { createClusterGroup(input: { name: "prod", selector: "env=prod" }) { name } }`);
    secrets.scopedToken = (await admin<{ createApiToken: { secret: string } }>(`mutation { createApiToken(input: { name: "prod-operator", role: operator, groupScope: ["prod"] }) { secret } }`)).createApiToken.secret;
    await graphqlData(url, secrets.scopedToken, `{ clusters { edges { node { name } } } }`);
    expect((await postGraphql(url, secrets.scopedToken, `mutation { createSource(input: { name: "mine", url: "https://git.example.com/a.git" }) { name } }`)).errors?.[0]?.extensions?.code).toBe('PERMISSION_DENIED');
    expect((await postGraphql(url, secrets.adminToken, `{ cluster(name: "nowhere") { name } }`)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // A git credential and a webhook secret, given in variables; and once more in a variable of the wrong shape, which the caller is told back.
    await admin(`mutation($input: CreateSourceInput!) { createSource(input: $input) { name } }`, {
      input: { name: 'fleet', url: gitServer.url, authKind: 'httpsToken', authUsername: 'git', authSecret: secrets.gitToken, webhookSecret: secrets.webhookSecret, pollIntervalSeconds: 3600 },
    });
    const misshapen = await postGraphql(url, secrets.adminToken, `mutation($input: CreateSourceInput!) { createSource(input: $input) { name } }`, { input: { url: gitServer.url, authSecret: secrets.gitToken } });
    expect(misshapen.errors?.[0]?.extensions?.code).toBe('INVALID_ARGUMENT');
    await until(async () => (await admin<{ source: { lastCommitSha: string | null } }>(`{ source(name: "fleet") { lastCommitSha } }`)).source.lastCommitSha !== null);
    await admin(`mutation { createApplication(input: { name: "web", source: "fleet", basePath: "apps/web", targets: [{ group: "prod" }] }) { name } }`);

    // Webhooks: signed, with the GitLab token (the secret itself, in a header), with a wrong token; a cookie on an API request.
    const body = '{"ref":"refs/heads/main"}';
    const hook = (headers: Record<string, string>) => fetch(`${url}/hooks/git/fleet`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    secrets.signature = `sha256=${createHmac('sha256', secrets.webhookSecret).update(body).digest('hex')}`;
    expect((await hook({ 'x-hub-signature-256': secrets.signature })).status).toBe(202);
    expect((await hook({ 'x-gitlab-token': secrets.webhookSecret })).status).toBe(202);
    expect((await hook({ 'x-gitlab-token': secrets.wrongGitlabToken })).status).toBe(401);
    await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.adminToken}`, cookie: `session=${secrets.cookie}` }, body: JSON.stringify({ query: '{ whoami { name } }' }) });

    // A bootstrap token, and the cluster credential an agent gets for it.
    const registration = (await admin<{ createClusterRegistration: { token: string; hubPublicKey: string } }>(`mutation { createClusterRegistration(input: { name: "eu-1", labels: { env: "prod" } }) { token hubPublicKey } }`)).createClusterRegistration;
    secrets.bootstrapToken = registration.token;
    kubeSim.addCluster('eu-1');
    writeFileSync(join(agentDir, 'kubeconfig'), buildKubeconfig([{ name: 'eu-1', server: kubeSim.clusterUrl('eu-1') }]));
    writeFileSync(join(agentDir, 'hub.pub'), registration.hubPublicKey);
    const credentialFile = join(agentDir, 'credential');
    agent = spawn(
      process.execPath,
      [join(repositoryRoot, 'apps/cli/bin/capstan.js'), 'agent', '--hub', `127.0.0.1:${grpcPort}`, '--insecure', '--token', registration.token, '--hub-public-key', join(agentDir, 'hub.pub'), '--kubeconfig', join(agentDir, 'kubeconfig'), '--credential-file', credentialFile],
      { env: { ...process.env, NODE_OPTIONS: '' }, stdio: 'ignore', detached: true },
    );
    await until(() => existsSync(credentialFile) && readFileSync(credentialFile, 'utf8').trim().length > 0, 60_000);
    secrets.credential = readFileSync(credentialFile, 'utf8').trim();
    await until(async () => (await admin<{ cluster: { connected: boolean } }>(`{ cluster(name: "eu-1") { connected } }`)).cluster.connected, 60_000);
    await until(() => kubeSim.cluster('eu-1').findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'web', namespace: 'default' }) !== undefined, 60_000);

    process.kill(-(agent.pid ?? 0), 'SIGTERM');
    await hub.stop();
    const log = hub.output();
    // The log was written and holds the requests: its absence of secrets means something.
    expect(log).toContain('"url":"/graphql"');
    expect(log).toContain('"authorization":"[redacted]"');
    expect(log).toContain('"x-gitlab-token":"[redacted]"');
    const basicCredential = Buffer.from(`git:${secrets.gitToken}`).toString('base64');
    const leaked = Object.entries({ ...secrets, basicCredential }).filter(([, value]) => log.includes(value)).map(([name]) => name);
    expect(leaked).toEqual([]);
  });

  it('logs callers’ errors briefly, never as errors with a stack', () => {
    const lines = hub
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg?: string; err?: { stack?: string } });
    const notFound = lines.filter((line) => line.msg?.includes('cluster "nowhere" not found'));
    expect(notFound).toEqual([expect.objectContaining({ level: 20 })]);
    expect(notFound[0].err).toBeUndefined();
    const refused = lines.filter((line) => line.msg?.includes('PERMISSION_DENIED'));
    expect(refused).toEqual([expect.objectContaining({ level: 30 })]);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
