import { type KubernetesObject, Watch } from '@kubernetes/client-node';
import type { ResourceManager } from './resource-manager';

/** Objects of one kind in one namespace ('' for cluster-scoped kinds or all namespaces). */
export interface WatchedKind {
  apiVersion: string;
  kind: string;
  namespace: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * Watches every object of a kind (in a namespace) and calls `onEvent` for each change; a watch the
 * server ends (timeout, 410 Gone) starts again, so changes are seen for as long as it runs.
 * Returns a function that stops it.
 */
export async function watchKind(manager: ResourceManager, watched: WatchedKind, onEvent: (type: WatchEventType, object: KubernetesObject) => void): Promise<() => void> {
  const resource = await manager.client.resourceFor(watched.apiVersion, watched.kind);
  if (!resource) throw new Error(`the cluster does not serve ${watched.kind} in ${watched.apiVersion}`);
  const base = watched.apiVersion.includes('/') ? `/apis/${watched.apiVersion}` : `/api/${watched.apiVersion}`;
  const path = resource.namespaced && watched.namespace ? `${base}/namespaces/${watched.namespace}/${resource.name}` : `${base}/${resource.name}`;
  const watch = new Watch(manager.kubeConfig);
  let stopped = false;
  let controller: AbortController | null = null;
  const start = async (): Promise<void> => {
    if (stopped) return;
    controller = await watch.watch(
      path,
      { allowWatchBookmarks: true },
      (type, object) => {
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') onEvent(type, object as KubernetesObject);
      },
      () => {
        if (!stopped) setTimeout(() => void start().catch(() => undefined), 200).unref();
      },
    );
  };
  await start();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
