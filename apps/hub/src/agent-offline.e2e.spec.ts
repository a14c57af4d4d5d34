import { once } from 'node:events';
import { Agent, defaultAgentOptions } from '@capstan/agent-engine';
import { buildKubeconfig, KubeSimServer } from '@capstan/kube-sim';
import { KubeConfig } from '@kubernetes/client-node';
import { TestGitRepository } from './testing/git-repository';
import { startTestHub, type TestHub } from './testing/test-hub';
import { until } from './testing/wait';


describe('an agent cut off from the hub', () => {
  let hub: TestHub;
  let kubeSim: KubeSimServer;
  let repository: TestGitRepository;
  let restarted: Agent | null = null;
  const settingsRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'shop' };

  beforeAll(async () => {
    hub = await startTestHub('pglite');
    kubeSim = new KubeSimServer();
    await kubeSim.start();
    kubeSim.addCluster('edge-1');
    repository = await TestGitRepository.create();
    await repository.commit(
      {
        'apps/shop/kustomization.yaml': 'resources:\n  - namespace.yaml\n  - settings.yaml\n',
        'apps/shop/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
        'apps/shop/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n',
      },
      'shop',
    );
  });
  afterAll(async () => {
    await restarted?.stop();
    await kubeSim.stop();
    repository.remove();
  });

  it('keeps enforcing the last desired state from its cache after a restart while the hub is down', async () => {
    const graphql = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) => hub.data<T>(query, variables);
    await graphql(`mutation { createClusterGroup(input: { name: "edge", selector: "tier=edge" }) { name } }`);
    const { createClusterRegistration: registration } = await graphql<{ createClusterRegistration: { token: string; hubPublicKey: string } }>(
      `mutation { createClusterRegistration(input: { name: "edge-1", labels: { tier: "edge" } }) { token hubPublicKey } }`,
    );
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(buildKubeconfig([{ name: 'edge-1', server: kubeSim.clusterUrl('edge-1') }]));
    let credential = '';
    const options = { ...defaultAgentOptions(), hub: { address: `127.0.0.1:${hub.hub.grpcPort}`, insecure: true }, hubPublicKey: registration.hubPublicKey, kubeConfig, reconnectMaxMs: 500 };
    const first = new Agent({ ...options, bootstrapToken: registration.token, onCredential: (obtained) => void (credential = obtained) });
    await first.start();
    const synced = once(first, 'synced');
    await graphql(`mutation($url: String!) { createSource(input: { name: "fleet", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    await graphql(`mutation { createApplication(input: { name: "shop", source: "fleet", basePath: "apps/shop", targets: [{ group: "edge" }] }) { name } }`);
    await synced;
    await first.stop();
    await hub.close();

    const cluster = kubeSim.cluster('edge-1');
    cluster.deleteObject(settingsRef);
    restarted = new Agent({ ...options, credential });
    await restarted.start();
    await until(() => cluster.findObject(settingsRef) !== undefined);

    cluster.editObject(settingsRef, { data: { mode: 'hand-edited' } });
    await until(() => (cluster.findObject(settingsRef)?.['data'] as Record<string, string>)['mode'] === 'fast');
  });
});
