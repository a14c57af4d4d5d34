import type { Agent, AgentOptions } from '@capstan/agent-engine';
import { KubeSimServer, type KubeSimServerOptions } from '@capstan/kube-sim';
import type { DatabaseKind } from '@capstan/persistence';
import { TestGitRepository } from './git-repository';
import { startRegisteredAgent } from './test-agent';
import { startTestHub, type TestHub } from './test-hub';

/** What an end-to-end fleet spec runs on: a hub, simulated clusters, a git repository, and the agents it started. */
export interface TestFleet {
  readonly hub: TestHub;
  readonly kubeSim: KubeSimServer;
  readonly repository: TestGitRepository;
  /** The agents started, in order. */
  readonly agents: readonly Agent[];
  /** Registers a cluster and starts its agent, stopped with the fleet. */
  startAgent(cluster: string, labels: Record<string, string>, options?: Partial<AgentOptions>): Promise<Agent>;
  close(): Promise<void>;
}

/** A hub on a fresh database of `kind`, a kube-sim server (with `kubeSimOptions`), and a git repository holding `files` in its first commit. */
export async function startTestFleet(kind: DatabaseKind, files: Record<string, string>, kubeSimOptions: KubeSimServerOptions = {}): Promise<TestFleet> {
  const hub = await startTestHub(kind);
  const kubeSim = new KubeSimServer(kubeSimOptions);
  await kubeSim.start();
  const repository = await TestGitRepository.create();
  await repository.commit(files, 'First commit');
  const agents: Agent[] = [];
  return {
    hub,
    kubeSim,
    repository,
    agents,
    async startAgent(cluster, labels, options = {}) {
      const agent = await startRegisteredAgent(hub.endpoints, kubeSim, cluster, labels, options);
      agents.push(agent);
      return agent;
    },
    async close() {
      await Promise.all(agents.map((agent) => agent.stop()));
      await hub.close();
      await kubeSim.stop();
      repository.remove();
    },
  };
}
