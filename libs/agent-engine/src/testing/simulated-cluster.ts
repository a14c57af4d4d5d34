import { buildKubeconfig, type ControllerOptions, KubeSimServer, type SimulatedCluster } from '@capstan/kube-sim';
import { defaultResourceManagerOptions, ResourceManager } from '@capstan/kube';
import { KubeConfig } from '@kubernetes/client-node';

/** A kube-sim server with one cluster, reached through client-node as a real cluster would be. */
export interface TestCluster {
  server: KubeSimServer;
  cluster: SimulatedCluster;
  kubeConfig: KubeConfig;
  resources: ResourceManager;
  /** Stops the API server and starts it again on the same port, keeping what the cluster holds. */
  restartServer(whileAway?: () => void): Promise<void>;
}

/** Starts one; `waitTimeoutMs` bounds how long staged applies wait for namespaces and CRDs. */
export async function startTestCluster(controllers: Partial<ControllerOptions> | false = {}, waitTimeoutMs = 5_000): Promise<TestCluster> {
  const server = new KubeSimServer({ controllers });
  await server.start();
  const cluster = server.addCluster('east');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(buildKubeconfig([{ name: 'east', server: server.clusterUrl('east') }]));
  return {
    server,
    cluster,
    kubeConfig,
    resources: new ResourceManager(kubeConfig, { ...defaultResourceManagerOptions(), waitIntervalMs: 20, waitTimeoutMs }),
    async restartServer(whileAway = () => undefined) {
      const port = Number(new URL(server.url).port);
      await server.stop();
      whileAway();
      await server.start(port);
    },
  };
}

/** Waits until `condition` holds; throws when it does not within the deadline. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
