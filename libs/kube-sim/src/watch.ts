/** Watches: replay from a resourceVersion, live changes filtered by selectors, bookmarks. */
import type { SimulatedCluster } from './cluster';
import { badRequest } from './errors';
import type { JsonObject } from './json';
import { metadataOf } from './object-meta';
import { apiVersionOf, groupResource, type ResourceType } from './resource-types';
import { matchesObjectSelector, parseObjectSelector } from './selectors';
import type { StoredChange } from './storage';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One event as it goes on the wire. */
export interface WatchEvent {
  type: WatchEventType;
  object: JsonObject;
}

export interface WatchOptions {
  /** Unset or "0": start with the current objects as ADDED; else replay the changes after it. */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  /** Watch-list: the current objects as ADDED, then a bookmark marking the end of them. */
  sendInitialEvents?: boolean;
}

export interface WatchHandle {
  /** Sends a BOOKMARK at the current revision (when the client allowed them). */
  bookmark(): void;
  stop(): void;
}

/** Starts a watch; throws 410 (as a StatusError) when the resourceVersion is older than the kept history. */
export function openWatch(cluster: SimulatedCluster, type: ResourceType, namespace: string | undefined, options: WatchOptions, send: (event: WatchEvent) => void): WatchHandle {
  const selector = parseObjectSelector(options.labelSelector, options.fieldSelector, type);
  const inScope = (object: JsonObject): boolean => !type.namespaced || namespace === undefined || metadataOf(object).namespace === namespace;
  const matches = (object: JsonObject | undefined): boolean => object !== undefined && inScope(object) && matchesObjectSelector(selector, object);
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: JsonObject = { resourceVersion: String(cluster.store.currentRevision()) };
    if (annotations) metadata.annotations = annotations;
    send({ type: 'BOOKMARK', object: { kind: type.kind, apiVersion: apiVersionOf(type), metadata } });
  };

  const requested = options.resourceVersion ?? '';
  const startsFromState = requested === '' || requested === '0' || options.sendInitialEvents === true;
  let from: number;
  if (startsFromState) {
    from = cluster.store.currentRevision();
    for (const object of cluster.store.list(groupResource(type), type.namespaced ? namespace : undefined)) {
      if (matches(object)) send({ type: 'ADDED', object: cluster.present(type, object) });
    }
    if (options.sendInitialEvents && options.allowWatchBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    from = Number(requested);
    if (!Number.isInteger(from) || from < 0) throw badRequest(`resourceVersion: Invalid value: "${requested}": must be a non-negative integer`);
  }

  const onChange = (change: StoredChange): void => {
    const now = matches(change.object);
    const before = change.type === 'MODIFIED' ? matches(change.previous) : now;
    let eventType: WatchEvent['type'] | null = null;
    if (change.type === 'MODIFIED') {
      if (now && before) eventType = 'MODIFIED';
      else if (now) eventType = 'ADDED';
      else if (before) eventType = 'DELETED';
    } else if (now) {
      eventType = change.type;
    }
    if (eventType) send({ type: eventType, object: cluster.present(type, change.object) });
  };
  const unsubscribe = cluster.store.subscribe(groupResource(type), from, onChange);
  return {
    bookmark: () => {
      if (options.allowWatchBookmarks) bookmark();
    },
    stop: unsubscribe,
  };
}
