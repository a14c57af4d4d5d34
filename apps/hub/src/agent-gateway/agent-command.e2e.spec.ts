import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKubeconfig, KubeSimServer } from '@capstan/kube-sim';
import { testDatabaseKinds } from '@capstan/persistence';
import { TestGitRepository } from '../testing/git-repository';
import { repositoryRoot } from '../testing/hub-process';
import { startTestHub, type TestHub } from '../testing/test-hub';
import { until } from '../testing/wait';

/**
 * createClusterRegistration's agentCommand, pasted as is: run through bash, in a HOME and with a
 * KUBECONFIG of its own, against a hub serving gRPC with its self-signed certificate.
 */
describe.each(testDatabaseKinds())('the agent command a registration returns, on %s', (kind) => {
  let hub: TestHub;
  let kubeSim: KubeSimServer;
  let repository: TestGitRepository;
  let agent: ChildProcess | undefined;
  const home = mkdtempSync(join(tmpdir(), 'capstan-operator-'));
  const cluster = `edge-${kind}`;

  beforeAll(async () => {
    hub = await startTestHub(kind, { grpcInsecure: false });
    kubeSim = new KubeSimServer();
    await kubeSim.start();
    kubeSim.addCluster(cluster);
    writeFileSync(join(home, 'kubeconfig'), buildKubeconfig([{ name: cluster, server: kubeSim.clusterUrl(cluster) }]));
    repository = await TestGitRepository.create();
    await repository.commit({ 'apps/hello/kustomization.yaml': 'resources:\n  - hello.yaml\n', 'apps/hello/hello.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\n  namespace: default\ndata:\n  cluster: ${cluster.name}\n' }, 'hello');
    await hub.data(`mutation { createClusterGroup(input: { name: "edge", selector: "tier=edge" }) { name } }`);
    await hub.data(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    await hub.data(`mutation { createApplication(input: { name: "hello", source: "fleet", basePath: "apps/hello", targets: [{ group: "edge" }] }) { name } }`);
  });
  afterAll(async () => {
    if (agent?.pid) {
      const running = agent.exitCode === null && agent.signalCode === null;
      const exited = running ? once(agent, 'exit') : Promise.resolve();
      try {
        // The whole group: bash, npx and the agent under them.
        process.kill(-agent.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await exited;
    }
    await hub.close();
    await kubeSim.stop();
    repository.remove();
    rmSync(home, { recursive: true, force: true });
  });

  it('registers a cluster that is Pending until its agent, run from the pasted command, connects', async () => {
    const { createClusterRegistration: registration } = await hub.data<{ createClusterRegistration: { agentCommand: string } }>(
      `mutation($name: String!) { createClusterRegistration(input: { name: $name, labels: { tier: "edge" } }) { agentCommand } }`,
      { name: cluster },
    );
    type State = { cluster: { state: string; connected: boolean; labels: Record<string, string>; groups: Array<{ name: string }> } };
    const state = () => hub.data<State>(`query($name: String!) { cluster(name: $name) { state connected labels groups { name } } }`, { name: cluster });
    expect((await state()).cluster).toEqual({ state: 'Pending', connected: false, labels: { tier: 'edge' }, groups: [{ name: 'edge' }] });
    expect(registration.agentCommand).toContain(`--hub 127.0.0.1:${hub.hub.grpcPort}`);
    expect(registration.agentCommand).toContain('--hub-ca');

    let output = '';
    agent = spawn('bash', ['-c', registration.agentCommand], {
      cwd: repositoryRoot,
      env: { ...process.env, HOME: home, KUBECONFIG: join(home, 'kubeconfig'), NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    agent.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    agent.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(agent, 'exit').then(([code]) => new Error(`the agent command exited with ${code}:\n${output}`));
    await Promise.race([until(async () => (await state()).cluster.state === 'Connected', 120_000), exited.then((error) => Promise.reject(error))]);

    expect((await state()).cluster).toMatchObject({ state: 'Connected', connected: true });
    expect(existsSync(join(home, '.capstan/agents', cluster, 'credential'))).toBe(true);
    // The hub's key, as the command wrote it, verifies the bundle: the application is applied.
    await until(() => kubeSim.cluster(cluster).findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'hello', namespace: 'default' }) !== undefined, 60_000);
  });
});
