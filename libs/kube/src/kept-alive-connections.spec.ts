import { createServer, type Server } from 'node:http';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { keepConnectionsAlive } from './kept-alive-connections';

/** An API server answering every request with the same ConfigMap, counting the connections made to it. */
async function countingServer(): Promise<{ server: Server; url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'fast' } }));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}`, connections: () => connections };
}

function kubeConfigFor(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' });
  return kubeConfig;
}

describe('keepConnectionsAlive', () => {
  it('makes ten requests over one connection, where client-node alone opens ten', async () => {
    const { server, url, connections } = await countingServer();
    try {
      const readTenTimes = async (kubeConfig: KubeConfig) => {
        const api = kubeConfig.makeApiClient(CoreV1Api);
        for (let request = 0; request < 10; request++) expect((await api.readNamespacedConfigMap({ name: 'settings', namespace: 'default' })).data).toEqual({ mode: 'fast' });
      };
      await readTenTimes(kubeConfigFor(url));
      expect(connections()).toBe(10);
      await readTenTimes(keepConnectionsAlive(kubeConfigFor(url)));
      expect(connections()).toBe(11);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('closes a connection left idle, before the server would, and opens a new one for the next request', async () => {
    const { server, url, connections } = await countingServer();
    server.keepAliveTimeout = 60_000;
    try {
      const api = keepConnectionsAlive(kubeConfigFor(url), { idleConnectionMs: 100 }).makeApiClient(CoreV1Api);
      await api.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
      await api.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
      expect(connections()).toBe(1);
      // Idle past the limit: the client closes it, and the next request comes on a new connection.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await api.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
      expect(connections()).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
