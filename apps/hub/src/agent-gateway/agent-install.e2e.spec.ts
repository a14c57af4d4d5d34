import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeSimServer } from '@capstan/kube-sim';
import { parseManifestObjects } from '@capstan/manifest';
import { runCommand } from '../testing/command';
import { repositoryRoot } from '../testing/hub-process';
import { TestGitRepository } from '../testing/git-repository';
import { startTestHub, type TestHub } from '../testing/test-hub';
import { eventually } from '../testing/wait';
import { referenceKubectl } from '../testing/reference-kubectl';

const kubectl = referenceKubectl;
const describeWithKubectl = kubectl.path ? describe : describe.skip;

const serviceAccountToken = 'service-account-token-of-capstan-agent';

interface EnvVar {
  name: string;
  value?: string;
}

/**
 * createClusterRegistration's install manifests, applied with kubectl to a cluster, and the agent
 * run as its Deployment says: the container's environment, the Secret's files mounted, in-cluster
 * configuration (service-account token and CA, KUBERNETES_SERVICE_HOST/PORT) pointed at kube-sim.
 */
describeWithKubectl('installing an agent from createClusterRegistration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-install-'));
  const kubeSim = new KubeSimServer({ tls: true, token: serviceAccountToken, rootCluster: 'edge', controllers: { readyDelayMs: 100 } });
  let hub: TestHub;
  let repository: TestGitRepository;
  let agent: ChildProcess | undefined;
  let agentOutput = '';

  /** A command against the in-process hub and kube-sim, its output in one. */
  const run = async (command: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const { code, stdout, stderr } = await runCommand(command, args, { env: { ...process.env, NODE_OPTIONS: '', ...env } });
    return { status: code, output: `${stdout}${stderr}` };
  };
  const kubectlRun = (args: string[]) => run(kubectl.path as string, ['--kubeconfig', join(dir, 'kubeconfig'), '--context', 'edge', ...args]);
  const secretData = async () => (JSON.parse((await kubectlRun(['get', 'secret', 'capstan-agent', '-n', 'capstan-system', '-o', 'json'])).output) as { data: Record<string, string> }).data;

  /** Starts the agent as the pod would: the Deployment's environment, its mounted files, in-cluster configuration. */
  const startAgent = async () => {
    const objects = parseManifestObjects((await kubectlRun(['get', 'deployment', 'capstan-agent', '-n', 'capstan-system', '-o', 'yaml'])).output, 'deployment capstan-agent') as unknown as Array<{ spec: { template: { spec: { containers: Array<{ env: EnvVar[] }> } } } }>;
    const container = objects[0].spec.template.spec.containers[0];
    const data = await secretData();
    const hubFiles = join(dir, 'etc/capstan/hub');
    mkdirSync(hubFiles, { recursive: true });
    for (const key of ['hub.pub', 'ca.crt']) writeFileSync(join(hubFiles, key), Buffer.from(data[key], 'base64'));
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: dir, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(kubeSim.url).port, CAPSTAN_NAMESPACE: 'capstan-system' };
    // The files the pod mounts at /etc/capstan/hub are here under `dir`.
    for (const variable of container.env) if (variable.value !== undefined) env[variable.name] = variable.value.replace(/^\/etc\/capstan\/hub\//, `${hubFiles}/`);
    env['CAPSTAN_HEALTH_PORT'] = '0';
    agentOutput = '';
    agent = spawn(process.execPath, [join(repositoryRoot, 'apps/agent/bin/agent.js'), '--in-cluster-root', join(dir, 'pod')], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    agent.stdout?.on('data', (chunk: Buffer) => (agentOutput += chunk.toString()));
    agent.stderr?.on('data', (chunk: Buffer) => (agentOutput += chunk.toString()));
    return container.env;
  };
  const stopAgent = async () => {
    if (!agent || agent.exitCode !== null || agent.signalCode !== null) return;
    const exited = once(agent, 'exit');
    process.kill(-(agent.pid as number), 'SIGTERM');
    await exited;
  };
  const clusterState = async () => (await hub.data<{ cluster: { state: string; applications: Array<{ syncState: string; health: string }> } }>(`{ cluster(name: "edge") { state applications { syncState health } } }`)).cluster;

  beforeAll(async () => {
    hub = await startTestHub('pglite', { grpcInsecure: false });
    await kubeSim.start();
    kubeSim.addCluster('edge');
    await kubeSim.writeKubeconfig(join(dir, 'kubeconfig'));
    const serviceAccount = join(dir, 'pod/var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(serviceAccount, { recursive: true });
    writeFileSync(join(serviceAccount, 'token'), serviceAccountToken);
    writeFileSync(join(serviceAccount, 'ca.crt'), kubeSim.certificateAuthority as string);
    writeFileSync(join(serviceAccount, 'namespace'), 'capstan-system');
    repository = await TestGitRepository.create();
    await repository.commit({ 'apps/web/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: default\ndata:\n  greeting: hello\n', 'apps/web/kustomization.yaml': 'resources:\n  - configmap.yaml\n' }, 'First commit');
  }, 60_000);

  afterAll(async () => {
    await stopAgent();
    await hub.close();
    await kubeSim.stop();
    repository.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`capstan cluster register | kubectl apply -f -` installs it; it registers, keeps its credential in its Secret, syncs, and a restarted pod reuses the credential', async () => {
    // As the README says: one pipe from the CLI into kubectl.
    const cli = `'${process.execPath}' '${join(repositoryRoot, 'apps/cli/bin/capstan.js')}'`;
    const applied = await run('bash', ['-o', 'pipefail', '-c', `${cli} cluster register edge --label tier=edge | '${kubectl.path}' --kubeconfig '${join(dir, 'kubeconfig')}' --context edge apply --server-side -f -`], {
      CAPSTAN_HUB: hub.hub.url,
      CAPSTAN_TOKEN: hub.adminToken,
      XDG_CONFIG_HOME: dir,
    });
    expect(applied.output).toContain('deployment.apps/capstan-agent serverside-applied');
    expect(applied.status).toBe(0);
    expect(Object.keys(await secretData()).sort()).toEqual(['bootstrap-token', 'ca.crt', 'hub.pub']);

    const env = await startAgent();
    expect(env.map((variable) => variable.name)).toEqual(expect.arrayContaining(['CAPSTAN_HUB_GRPC_ADDRESS', 'CAPSTAN_CREDENTIAL_SECRET', 'CAPSTAN_HUB_CA_FILE']));
    expect((await eventually(clusterState, (cluster) => cluster.state === 'Connected', 20_000)).state).toBe('Connected');
    // The spent token is gone from the Secret; the credential took its place.
    const kept = await eventually(secretData, (data) => 'credential' in data);
    expect(Object.keys(kept).sort()).toEqual(['ca.crt', 'credential', 'hub.pub']);

    await hub.data(`mutation { createClusterGroup(input: { name: "edge", selector: "tier=edge" }) { name } }`);
    await hub.data(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    await hub.data(`mutation { createApplication(input: { name: "web", source: "fleet", basePath: "apps/web", targets: [{ group: "edge" }] }) { name } }`);
    const synced = await eventually(clusterState, (cluster) => cluster.applications.some((application) => application.syncState === 'Synced'), 20_000);
    expect(synced.applications).toEqual([expect.objectContaining({ syncState: 'Synced' })]);
    expect((await kubectlRun(['get', 'configmap', 'web', '-n', 'default', '-o', 'jsonpath={.data.greeting}'])).output).toBe('hello');

    // A new pod: the same Secret, no token in it, and the hub takes the kept credential.
    await stopAgent();
    await eventually(clusterState, (cluster) => cluster.state === 'Disconnected', 40_000);
    await startAgent();
    expect((await eventually(clusterState, (cluster) => cluster.state === 'Connected', 20_000)).state).toBe('Connected');
    expect(agentOutput).not.toContain('refused');
  }, 120_000);
});
