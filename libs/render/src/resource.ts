import { formatIdentity, identityOf, isClusterScopedKind, isJsonObject, type JsonObject, type ObjectIdentity } from '@capstan/manifest';
import { RenderError } from './render-error';

/** One object being rendered, with the identities it had before prefixes, namespaces and hashes renamed it. */
export class Resource {
  /** Identities before each rename, oldest first; empty while never renamed. */
  readonly previousIds: ObjectIdentity[] = [];

  constructor(
    public object: JsonObject,
    /** The file (or kustomization field) the object came from, for error messages. */
    readonly source: string,
    /** Generated ConfigMaps and Secrets get a content hash suffix at the end of the render. */
    public hashSuffix = false,
  ) {}

  get id(): ObjectIdentity {
    return identityOf(this.object);
  }

  /** The identity the object had when it was first read. */
  get originalId(): ObjectIdentity {
    return this.previousIds[0] ?? this.id;
  }

  /** Current and earlier identities: a reference or patch naming any of them means this object. */
  get allIds(): ObjectIdentity[] {
    return [...this.previousIds, this.id];
  }

  get kind(): string {
    return this.id.kind;
  }

  get isClusterScoped(): boolean {
    return isClusterScopedKind(this.kind);
  }

  /** `Kind/namespace/name` for error messages. */
  get label(): string {
    return formatIdentity(this.id);
  }

  get metadata(): JsonObject {
    if (!isJsonObject(this.object.metadata)) this.object.metadata = {};
    return this.object.metadata as JsonObject;
  }

  /** Remembers the current identity before a transformer renames the object. */
  rememberId(): void {
    const current = this.id;
    const last = this.previousIds[this.previousIds.length - 1];
    if (!last || !sameIdentity(last, current)) this.previousIds.push(current);
  }

  setName(name: string): void {
    this.rememberId();
    this.metadata.name = name;
  }

  setNamespace(namespace: string): void {
    this.rememberId();
    this.metadata.namespace = namespace;
  }

  stringMap(field: 'labels' | 'annotations'): Record<string, string> {
    const value = this.metadata[field];
    return isJsonObject(value) ? (value as Record<string, string>) : {};
  }
}

/** Namespaces compare with '' and 'default' as the same, as kustomize does. */
export function sameNamespace(a: string, b: string): boolean {
  return (a || 'default') === (b || 'default');
}

/** Whether two identities name the same object (same group/version/kind/name, equivalent namespace). */
export function sameIdentity(a: ObjectIdentity, b: ObjectIdentity): boolean {
  return a.group === b.group && a.version === b.version && a.kind === b.kind && a.name === b.name && sameNamespace(a.namespace, b.namespace);
}

/** Adds resources to an accumulated list, refusing a second object with the same identity. */
export function appendResources(target: Resource[], added: readonly Resource[]): void {
  for (const resource of added) {
    const clash = target.find((existing) => existing.allIds.some((id) => sameIdentity(id, resource.id)));
    if (clash) {
      throw new RenderError(resource.source, undefined, `may not add ${resource.label}: an object with that identity already comes from ${clash.source}`);
    }
    target.push(resource);
  }
}
