import { type KubernetesObject, Watch } from '@kubernetes/client-node';
import { apiMessageOf, statusCodeOf } from './api-errors';
import { type BackoffOptions, backoffDelayMs } from './backoff';
import type { ResourceManager } from './resource-manager';

/** Objects of one kind in one namespace ('' for cluster-scoped kinds or all namespaces). */
export interface WatchedKind {
  apiVersion: string;
  kind: string;
  namespace: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchKindOptions {
  /** Called with an error while the kind cannot be watched (the watch failed or could not start again), and with null once it runs again. */
  onStatus?: (error: string | null) => void;
  /** How restarts after a failure space out. */
  backoff?: BackoffOptions;
}

export function defaultWatchBackoff(): BackoffOptions {
  return { initialMs: 200, maxMs: 30_000 };
}

/** `Deployment in shop`, `Namespace` */
export function describeWatchedKind(watched: WatchedKind): string {
  return watched.namespace ? `${watched.kind} in ${watched.namespace}` : watched.kind;
}

/**
 * Watches every object of a kind (in a namespace) and calls `onEvent` for each change, until the
 * returned function is called. A watch the server ends starts again at once; one that fails, or
 * cannot start (the API server is away, the kind is not served yet), is tried again with
 * exponential backoff and jitter, and `onStatus` says so. Every start lists the objects anew
 * (ADDED events), so what changed while the watch was down is seen.
 */
export function watchKind(manager: ResourceManager, watched: WatchedKind, onEvent: (type: WatchEventType, object: KubernetesObject) => void, options: WatchKindOptions = {}): () => void {
  const backoff = options.backoff ?? defaultWatchBackoff();
  const watch = new Watch(manager.kubeConfig);
  let stopped = false;
  let controller: AbortController | null = null;
  let retry: NodeJS.Timeout | null = null;
  let failures = 0;
  let failing: string | null = null;
  const setStatus = (error: string | null) => {
    if (error === failing) return;
    failing = error;
    options.onStatus?.(error);
  };
  const restartAfter = (delayMs: number) => {
    if (stopped) return;
    retry = setTimeout(() => {
      retry = null;
      void start();
    }, delayMs);
    retry.unref();
  };
  const fail = (error: string) => {
    setStatus(error);
    restartAfter(backoffDelayMs(failures++, backoff));
  };
  const start = async (): Promise<void> => {
    let path: string;
    try {
      path = await pathOf(manager, watched);
    } catch (error) {
      return fail(apiMessageOf(error));
    }
    if (stopped) return;
    let ended = false;
    let endedBy: string | null = null;
    let current: AbortController | null = null;
    current = await watch.watch(
      path,
      { allowWatchBookmarks: true },
      (type, object) => {
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') return onEvent(type, object as KubernetesObject);
        if (type === 'ERROR') {
          // The server ends a watch it cannot continue with an ERROR event (e.g. 410 Gone): start again from a fresh list.
          endedBy = (object as { message?: string }).message ?? 'the API server ended the watch with an error';
          current?.abort();
        }
      },
      (error: unknown) => {
        ended = true;
        if (stopped) return;
        const failure = endedBy ?? (error && !isAbort(error) ? apiMessageOf(error) : null);
        if (failure) return fail(failure);
        // An end without an error is routine (the server's timeout): start again soon.
        restartAfter(backoffDelayMs(0, backoff));
      },
    );
    controller = current;
    if (stopped) return current.abort();
    if (ended) return;
    failures = 0;
    setStatus(null);
  };
  void start();
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    controller?.abort();
  };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { type?: string }).type === 'aborted');
}

async function pathOf(manager: ResourceManager, watched: WatchedKind): Promise<string> {
  const notServed = new Error(`the cluster does not serve ${watched.kind} in ${watched.apiVersion}`);
  const resource = await manager.client.resourceFor(watched.apiVersion, watched.kind).catch((error: unknown) => {
    // Discovery answers 404 for an API group or version nobody serves.
    throw statusCodeOf(error) === 404 ? notServed : error;
  });
  if (!resource) throw notServed;
  const base = watched.apiVersion.includes('/') ? `/apis/${watched.apiVersion}` : `/api/${watched.apiVersion}`;
  return resource.namespaced && watched.namespace ? `${base}/namespaces/${watched.namespace}/${resource.name}` : `${base}/${resource.name}`;
}
