/** Specs' view of a running simulator: one server, one cluster, and client-node clients for it. */
import * as k8s from '@kubernetes/client-node';
import { KubeSimServer, type KubeSimServerOptions } from '../server';
import type { SimulatedCluster } from '../cluster';

export interface ClientFixture {
  server: KubeSimServer;
  cluster: SimulatedCluster;
  config: k8s.KubeConfig;
  objects: k8s.KubernetesObjectApi;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
}

/** Starts a server on a free port with one cluster named `test`. */
export async function startFixture(options: KubeSimServerOptions = { controllers: false }): Promise<ClientFixture> {
  const server = new KubeSimServer(options);
  await server.start(0);
  const cluster = server.addCluster('test');
  const config = new k8s.KubeConfig();
  config.loadFromString(server.kubeconfig());
  return {
    server,
    cluster,
    config,
    objects: k8s.KubernetesObjectApi.makeApiClient(config),
    core: config.makeApiClient(k8s.CoreV1Api),
    apps: config.makeApiClient(k8s.AppsV1Api),
    custom: config.makeApiClient(k8s.CustomObjectsApi),
  };
}

/** The `Status` body of a failed client-node call. */
export async function failure(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, any> }> {
  try {
    await promise;
  } catch (error) {
    const apiError = error as { code?: number; body?: unknown };
    if (typeof apiError.code !== 'number') throw error;
    return { code: apiError.code, body: typeof apiError.body === 'string' ? JSON.parse(apiError.body) : (apiError.body as Record<string, any>) };
  }
  throw new Error('expected the call to fail');
}

/** A Deployment manifest with one container. */
export function deployment(name: string, image = 'nginx:1.27', extra: Record<string, any> = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 80 }] }] } },
      ...extra,
    },
  };
}

/** Resolves once `predicate` holds for a value `poll` returns, polling every 20 ms. */
export async function eventually<T>(poll: () => Promise<T> | T, predicate: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await poll();
    if (predicate(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
