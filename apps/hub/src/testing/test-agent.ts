import { Agent, type AgentOptions, defaultAgentOptions } from '@capstan/agent-engine';
import { buildKubeconfig, type KubeSimServer } from '@capstan/kube-sim';
import { KubeConfig } from '@kubernetes/client-node';
import { type HubEndpoints, postGraphql } from './test-hub';

/**
 * Does what an operator does for a new cluster: a cluster in kube-sim (unless it is there already), a bootstrap token from
 * `createClusterRegistration`, and an agent started with it (plain-text gRPC to the hub).
 */
export async function startRegisteredAgent(hub: HubEndpoints, kubeSim: KubeSimServer, cluster: string, labels: Record<string, string>, options: Partial<AgentOptions> = {}): Promise<Agent> {
  // An agent started again on a cluster it ran on (a restarted pod) finds it as it left it.
  if (!kubeSim.clusterNames().includes(cluster)) kubeSim.addCluster(cluster);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(buildKubeconfig([{ name: cluster, server: kubeSim.clusterUrl(cluster) }]));
  const response = await postGraphql<{ createClusterRegistration: { token: string; hubPublicKey: string } }>(
    hub.url,
    hub.adminToken,
    `mutation($name: String!, $labels: StringMap) { createClusterRegistration(input: { name: $name, labels: $labels }) { token hubPublicKey } }`,
    { name: cluster, labels },
  );
  if (!response.data) throw new Error(`cluster ${cluster} could not be registered: ${JSON.stringify(response.errors)}`);
  const registration = response.data.createClusterRegistration;
  const agent = new Agent({
    ...defaultAgentOptions(),
    hub: { address: `127.0.0.1:${hub.grpcPort}`, insecure: true },
    hubPublicKey: registration.hubPublicKey,
    bootstrapToken: registration.token,
    kubeConfig,
    ...options,
  });
  await agent.start();
  return agent;
}
