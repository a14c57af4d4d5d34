import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

const keptAlive = new WeakSet<KubeConfig>();

/** Connections one cluster's client keeps open to its API server at most. */
const maxSocketsPerServer = 8;
/**
 * An idle connection is closed by the client before an API server would close it (kube-sim after
 * 60 s), so a request never goes out on a connection the server is closing ("socket hang up").
 */
const defaultIdleConnectionMs = 30_000;

/**
 * Makes the kubeconfig's API calls reuse kept-alive connections. Left alone, client-node builds a
 * new connection agent, and so a new TCP (and TLS) connection, for every request. Pools are kept
 * per TLS material, so rotated credentials get a pool of their own; proxy agents are left as they
 * are, and so are watches: each holds its connection for as long as it runs.
 */
export function keepConnectionsAlive(kubeConfig: KubeConfig, { idleConnectionMs = defaultIdleConnectionMs }: { idleConnectionMs?: number } = {}): KubeConfig {
  if (keptAlive.has(kubeConfig)) return kubeConfig;
  keptAlive.add(kubeConfig);
  const pools = new Map<string, HttpAgent>();
  const pooled = (agent: unknown): HttpAgent | undefined => {
    if (!(agent instanceof HttpAgent) || (agent.constructor !== HttpAgent && agent.constructor !== HttpsAgent)) return agent as HttpAgent | undefined;
    const options = (agent as HttpAgent & { options: Record<string, unknown> }).options;
    const key = JSON.stringify([agent.constructor === HttpsAgent, options['ca'], options['cert'], options['key'], options['pfx'], options['rejectUnauthorized'], options['servername']]);
    let pool = pools.get(key);
    if (!pool) {
      // `timeout` closes only idle pooled connections; requests in flight keep theirs.
      const settings = { ...options, keepAlive: true, maxSockets: maxSocketsPerServer, timeout: idleConnectionMs };
      pool = agent.constructor === HttpsAgent ? new HttpsAgent(settings) : new HttpAgent(settings);
      pools.set(key, pool);
    }
    return pool;
  };
  const applySecurityAuthentication = kubeConfig.applySecurityAuthentication.bind(kubeConfig);
  kubeConfig.applySecurityAuthentication = async (context) => {
    await applySecurityAuthentication(context);
    const pool = pooled(context.getAgent());
    if (pool) context.setAgent(pool);
  };
  return kubeConfig;
}
