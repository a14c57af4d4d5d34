/**
 * One cluster's objects, as etcd holds them for the API server: a monotonic revision that
 * becomes every object's `resourceVersion`, and a bounded history of changes to replay watches from.
 * Stored objects are never mutated: every write stores a new object.
 */
import { gone } from './errors';
import type { JsonObject } from './json';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change to one object. */
export interface StoredChange {
  type: ChangeType;
  groupResource: string;
  namespace: string;
  object: JsonObject;
  /** The object before a MODIFIED change, for selector transitions. */
  previous?: JsonObject;
  revision: number;
}

export type ChangeListener = (change: StoredChange) => void;

/** Every object of a store and its revision, as saved to and restored from JSON. */
export interface StoreSnapshot {
  revision: number;
  tables: Record<string, JsonObject[]>;
}

function namespaceOf(object: JsonObject): string {
  return ((object.metadata as JsonObject).namespace as string | undefined) ?? '';
}

function nameOf(object: JsonObject): string {
  return (object.metadata as JsonObject).name as string;
}

/** `namespace/name` (or `name`), the order lists come in. */
export function objectKey(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class ObjectStore {
  private revision = 0;
  private compactedRevision = 0;
  private readonly tables = new Map<string, Map<string, JsonObject>>();
  private readonly history: StoredChange[] = [];
  private readonly listeners = new Map<string, Set<ChangeListener>>();
  private losingEvents = false;

  /** @param historySize how many changes are kept for watches to resume from */
  constructor(private readonly historySize: number) {}

  /** The revision of the last write. */
  currentRevision(): number {
    return this.revision;
  }

  /** Takes the next revision for a write about to be stored. */
  nextRevision(): number {
    return ++this.revision;
  }

  get(groupResource: string, namespace: string, name: string): JsonObject | undefined {
    return this.tables.get(groupResource)?.get(objectKey(namespace, name));
  }

  /** Objects of one type (in one namespace, or all with `undefined`), sorted by namespace and name. */
  list(groupResource: string, namespace?: string): JsonObject[] {
    const table = this.tables.get(groupResource);
    if (!table) return [];
    const entries = [...table.entries()].filter(([, object]) => namespace === undefined || namespaceOf(object) === namespace);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.map(([, object]) => object);
  }

  /** Every stored type's key. */
  groupResources(): string[] {
    return [...this.tables.keys()];
  }

  /** Stores `object` (its `metadata.resourceVersion` already set to `revision`) and notifies watchers. */
  put(groupResource: string, object: JsonObject, revision: number): void {
    let table = this.tables.get(groupResource);
    if (!table) {
      table = new Map();
      this.tables.set(groupResource, table);
    }
    const key = objectKey(namespaceOf(object), nameOf(object));
    const previous = table.get(key);
    table.set(key, object);
    this.record({ type: previous ? 'MODIFIED' : 'ADDED', groupResource, namespace: namespaceOf(object), object, previous, revision });
  }

  /** Removes an object; `finalObject` is what the DELETED event carries (its last state at `revision`). */
  remove(groupResource: string, finalObject: JsonObject, revision: number): void {
    const key = objectKey(namespaceOf(finalObject), nameOf(finalObject));
    this.tables.get(groupResource)?.delete(key);
    this.record({ type: 'DELETED', groupResource, namespace: namespaceOf(finalObject), object: finalObject, revision });
  }

  /** Removes a whole type without events, as when its CRD goes after its objects. */
  dropTable(groupResource: string): void {
    this.tables.delete(groupResource);
  }

  /**
   * Calls `listener` with every change to `groupResource` after `fromRevision` (replayed from
   * history) and then as they happen. Throws 410 when history no longer reaches back that far.
   * Returns the function that stops listening.
   */
  subscribe(groupResource: string, fromRevision: number, listener: ChangeListener): () => void {
    if (fromRevision < this.compactedRevision) {
      throw gone(`too old resource version: ${fromRevision} (${this.compactedRevision})`);
    }
    for (const change of this.history) if (change.revision > fromRevision && change.groupResource === groupResource) listener(change);
    let listeners = this.listeners.get(groupResource);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(groupResource, listeners);
    }
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Whether `revision` is still inside the kept history (a list at it can be continued). */
  withinHistory(revision: number): boolean {
    return revision >= this.compactedRevision;
  }

  /** Everything, for a snapshot. */
  dump(): StoreSnapshot {
    const tables: Record<string, JsonObject[]> = {};
    for (const [groupResource, table] of this.tables) tables[groupResource] = [...table.values()];
    return { revision: this.revision, tables };
  }

  /** Restores a snapshot taken by `dump` into this empty store; history starts after it. */
  restore(snapshot: StoreSnapshot): void {
    this.revision = snapshot.revision;
    this.compactedRevision = snapshot.revision;
    for (const [groupResource, objects] of Object.entries(snapshot.tables)) {
      this.tables.set(groupResource, new Map(objects.map((object) => [objectKey(namespaceOf(object), nameOf(object)), object])));
    }
  }

  /**
   * Runs writes whose changes no watch will ever see, neither live nor on resume: the failure of a
   * watch that silently drops events, which clients must survive by reading back.
   */
  withoutEvents<T>(writes: () => T): T {
    this.losingEvents = true;
    try {
      return writes();
    } finally {
      this.losingEvents = false;
    }
  }

  private record(change: StoredChange): void {
    if (this.losingEvents) return;
    this.history.push(change);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.compactedRevision = dropped[dropped.length - 1].revision;
    }
    const listeners = this.listeners.get(change.groupResource);
    if (listeners) for (const listener of [...listeners]) listener(change);
  }
}
