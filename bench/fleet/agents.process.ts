/**
 * The fleet benchmark's agents: many `Agent` instances in one process, one per simulated cluster.
 * Messages in: `start` (agents to register and connect, a few at a time), `stop`.
 * Messages out: `started` (how many, how many failed), and `synced` / `failed` events per agent
 * with the time they happened, so the parent can time the fleet converging.
 */
import { Agent, defaultAgentOptions } from '@capstan/agent-engine';
import { KubeConfig } from '@kubernetes/client-node';

export interface AgentToStart {
  cluster: string;
  bootstrapToken: string;
  /** host:port of the hub; see `hubAddress` in fleet.bench.ts for why it differs per agent. */
  hubAddress: string;
}

export type AgentsCommand = { type: 'start'; agents: AgentToStart[]; hubPublicKey: string; kubeSimUrl: string; concurrency: number } | { type: 'stop' };

export type AgentsEvent =
  | { type: 'started'; count: number; failures: string[] }
  | { type: 'synced'; cluster: string; application: string; at: number }
  | { type: 'failed'; cluster: string; application: string; reason: string; at: number };

const agents: Agent[] = [];
const emit = (event: AgentsEvent) => process.send?.(event);

/** A kubeconfig for one simulated cluster, built as an object: no YAML to write and parse per agent. */
function kubeConfigFor(kubeSimUrl: string, cluster: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: cluster, server: `${kubeSimUrl}/clusters/${encodeURIComponent(cluster)}`, skipTLSVerify: true }],
    users: [{ name: 'kube-sim' }],
    contexts: [{ name: cluster, cluster, user: 'kube-sim', namespace: 'default' }],
    currentContext: cluster,
  });
  return kubeConfig;
}

async function start(command: Extract<AgentsCommand, { type: 'start' }>): Promise<void> {
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: command.concurrency }, async () => {
      while (next < command.agents.length) {
        const { cluster, bootstrapToken, hubAddress } = command.agents[next++];
        const agent = new Agent({ ...defaultAgentOptions(), hub: { address: hubAddress, insecure: true }, hubPublicKey: command.hubPublicKey, bootstrapToken, kubeConfig: kubeConfigFor(command.kubeSimUrl, cluster) });
        agent.on('synced', (application: string, changeSet: { entries: Array<{ subject: string; action: string; message?: string }> }) => {
          const failed = changeSet.entries.filter((entry) => entry.action === 'failed');
          if (failed.length) emit({ type: 'failed', cluster, application, reason: failed.map((entry) => `${entry.subject}: ${entry.message}`).join('; '), at: Date.now() });
          else emit({ type: 'synced', cluster, application, at: Date.now() });
        });
        agent.on('failed', (application: string, reason: string) => emit({ type: 'failed', cluster, application, reason, at: Date.now() }));
        agent.on('refused', (application: string, reason: string) => emit({ type: 'failed', cluster, application, reason, at: Date.now() }));
        try {
          await agent.start();
          agents.push(agent);
        } catch (error) {
          failures.push(`${cluster}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }),
  );
  emit({ type: 'started', count: agents.length, failures });
}

process.on('message', (command: AgentsCommand) => {
  if (command.type === 'start') void start(command);
  if (command.type === 'stop') void Promise.all(agents.map((agent) => agent.stop())).finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
