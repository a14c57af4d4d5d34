/**
 * One simulated cluster: its objects and served types, and every API verb with the API
 * server's rules (optimistic concurrency, defaulting, validation, field ownership, finalizers,
 * garbage collection of dependents, namespace termination, CRDs).
 */
import { alreadyExists, badRequest, forbidden, invalid, notFound, StatusError, staleConflict, type StatusSubject } from './errors';
import { crdResourceTypes, establishedCrdStatus, normalizeCustomResource, validateCrd } from './crd';
import { applyDefaults, type Allocators } from './defaulting';
import { clone, deepEqual, isPlainObject, type JsonObject } from './json';
import { decodeManagedFields, encodeManagedFields, sameOwnership, trackedView, transferOwnership, type ManagerFields, type WriterIdentity } from './managed-fields';
import { finalizersOf, generatedName, metadataOf, nameOf, namespaceOf, newUid, timestamp } from './object-meta';
import { applyNonApplyPatch, type PatchType } from './patch';
import { apiVersionOf, groupResource, ResourceTypeRegistry, type ResourceType } from './resource-types';
import { matchesObjectSelector, parseObjectSelector } from './selectors';
import { serverSideApply } from './server-side-apply';
import { ObjectStore, type StoreSnapshot } from './storage';
import { compareObjects } from './typed-value';
import { validateObject } from './validation';
import { ValidatingAdmission } from './admission';

/** Options of create, update and patch. */
export interface WriteOptions {
  /** Defaults to `kube-sim`; the HTTP layer passes what a real server derives from the User-Agent. */
  fieldManager?: string;
  dryRun?: boolean;
  /** Server-side apply only: take fields other managers own. */
  force?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export interface DeleteOptions {
  dryRun?: boolean;
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Names one object for the manifest-level API. */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ClusterOptions {
  /** How many changes watches can resume from before they get 410 Gone. */
  historySize?: number;
  /** Objects to start from instead of a fresh cluster's namespaces and `kubernetes` Service. */
  snapshot?: StoreSnapshot;
}

/** The manager of the simulator's own writes, as the real control plane names its components. */
export const controllerManager = 'kube-controller-manager';
const defaultFieldManager = 'kube-sim';
const initialNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

interface ContinueToken {
  rv: number;
  start: string;
}

export class SimulatedCluster {
  readonly store: ObjectStore;
  private readonly admission: ValidatingAdmission;
  readonly types = new ResourceTypeRegistry();
  private readonly typeByGroupResource = new Map<string, ResourceType>();
  private readonly allocators: Allocators;

  constructor(
    readonly name: string,
    options: ClusterOptions = {},
  ) {
    this.store = new ObjectStore(options.historySize ?? 10_000);
    this.admission = new ValidatingAdmission(this.store);
    for (const type of this.types.all()) this.typeByGroupResource.set(groupResource(type), type);
    let allocatedIPs = 0;
    let nodePorts = 0;
    // 10.96.0.1 first, as the `kubernetes` Service has it on a real cluster.
    this.allocators = {
      clusterIP: () => {
        const index = allocatedIPs++;
        return `10.96.${Math.floor(index / 250)}.${(index % 250) + 1}`;
      },
      nodePort: () => 30000 + (nodePorts++ % 2768),
    };
    if (options.snapshot) {
      this.store.restore(options.snapshot);
      for (const crd of this.store.list('customresourcedefinitions.apiextensions.k8s.io')) this.serveCrd(crd);
      return;
    }
    const namespaces = this.requireType('v1', 'Namespace');
    for (const namespace of initialNamespaces) this.create(namespaces, '', { metadata: { name: namespace } }, { fieldManager: 'kube-apiserver' });
    this.create(this.requireType('v1', 'Service'), 'default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { ports: [{ name: 'https', port: 443, targetPort: 6443 }] },
    }, { fieldManager: 'kube-apiserver' });
  }

  /** The type for an `apiVersion` and `kind`, 404 as a real server answers for an unknown kind. */
  requireType(apiVersion: string, kind: string): ResourceType {
    const type = this.types.lookupKind(apiVersion, kind);
    if (!type) throw new StatusError(404, 'NotFound', `the server could not find the requested resource: no matches for kind "${kind}" in version "${apiVersion}"`);
    return type;
  }

  /** The object as a client sees it through `type`'s version. */
  present(type: ResourceType, object: JsonObject): JsonObject {
    const apiVersion = apiVersionOf(type);
    return object.apiVersion === apiVersion ? object : { ...object, apiVersion };
  }

  get(type: ResourceType, namespace: string, name: string): JsonObject {
    return this.present(type, this.existing(type, namespace, name));
  }

  /** A `<Kind>List` of the matching objects, one page of `limit` when asked. */
  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): JsonObject {
    const selector = parseObjectSelector(options.labelSelector, options.fieldSelector, type);
    let revision = this.store.currentRevision();
    let start = '';
    if (options.continue) {
      const token = decodeContinue(options.continue);
      if (!this.store.withinHistory(token.rv)) {
        throw new StatusError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      revision = token.rv;
      start = token.start;
    }
    const matching = this.store
      .list(groupResource(type), type.namespaced ? namespace : undefined)
      .filter((object) => matchesObjectSelector(selector, object) && (!start || keyOf(object) > start));
    const limit = options.limit && options.limit > 0 ? options.limit : matching.length;
    const page = matching.slice(0, limit);
    const metadata: JsonObject = { resourceVersion: String(revision) };
    if (page.length < matching.length) {
      metadata.continue = encodeContinue({ rv: revision, start: keyOf(page[page.length - 1]) });
      metadata.remainingItemCount = matching.length - page.length;
    }
    // Built-in lists carry bare items; custom resource lists keep apiVersion and kind on each.
    const items = page.map((object) => {
      if (type.definedBy) return this.present(type, object);
      const { apiVersion: _apiVersion, kind: _kind, ...item } = object;
      return item;
    });
    return { kind: type.listKind, apiVersion: apiVersionOf(type), metadata, items };
  }

  create(type: ResourceType, namespace: string, body: JsonObject, options: WriteOptions = {}): JsonObject {
    this.checkIdentity(type, body, namespace);
    const writer = this.writer(type, options, 'Update');
    const candidate = clone(body);
    const requested = metadataOf(candidate).managedFields;
    const managers = Array.isArray(requested) && requested.length > 0 ? decodeManagedFields(requested) : undefined;
    return this.insert(type, namespace, candidate, writer, options, managers);
  }

  /** PUT: replaces the object (or its status); 409 when `metadata.resourceVersion` is stale. */
  update(type: ResourceType, namespace: string, name: string, body: JsonObject, options: WriteOptions = {}, subresource?: string): JsonObject {
    this.checkIdentity(type, body, namespace, name);
    const existing = this.existing(type, namespace, name);
    this.checkResourceVersion(type, existing, body);
    return this.replace(type, existing, clone(body), this.writer(type, options, 'Update', subresource), options);
  }

  /** PATCH of any type; an apply creates the object when it does not exist. */
  patch(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown, options: WriteOptions = {}, subresource?: string): JsonObject {
    if (patchType === 'apply') return this.apply(type, namespace, name, patch, options, subresource);
    const existing = this.existing(type, namespace, name);
    const patched = applyNonApplyPatch(existing, patchType, patch, type.definedBy !== undefined);
    this.checkIdentity(type, patched, namespace, name);
    this.checkResourceVersion(type, existing, patched);
    return this.replace(type, existing, clone(patched), this.writer(type, options, 'Update', subresource), options);
  }

  /** DELETE: removes the object, or marks it deleting while finalizers remain. Returns the object or a `Status`. */
  delete(type: ResourceType, namespace: string, name: string, options: DeleteOptions = {}): JsonObject {
    const existing = this.existing(type, namespace, name);
    const metadata = metadataOf(existing);
    const preconditions = options.preconditions ?? {};
    if (preconditions.uid && preconditions.uid !== metadata.uid) {
      throw new StatusError(409, 'Conflict', `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${metadata.uid}`, this.subject(type, name));
    }
    if (preconditions.resourceVersion && preconditions.resourceVersion !== metadata.resourceVersion) {
      throw new StatusError(409, 'Conflict', `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${metadata.resourceVersion}`, this.subject(type, name));
    }
    if (options.dryRun) return this.present(type, existing);
    if (type.kind === 'Namespace' && !type.group) return this.present(type, this.terminateNamespace(type, existing));
    const policy = options.propagationPolicy ?? 'Background';
    if (policy === 'Orphan') this.orphanDependents(metadata.uid as string);
    if (policy === 'Foreground') this.deleteDependents(metadata.uid as string);
    if (finalizersOf(existing).length > 0) return this.present(type, this.markDeleting(type, existing));
    this.remove(type, existing);
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, ...(type.group ? { group: type.group } : {}), kind: type.resource, uid: metadata.uid },
    };
  }

  /** DELETE on a collection: deletes every matching object. */
  deleteCollection(type: ResourceType, namespace: string | undefined, listOptions: ListOptions = {}, options: DeleteOptions = {}): JsonObject {
    const selector = parseObjectSelector(listOptions.labelSelector, listOptions.fieldSelector, type);
    const matching = this.store.list(groupResource(type), type.namespaced ? namespace : undefined).filter((object) => matchesObjectSelector(selector, object));
    for (const object of matching) this.delete(type, namespaceOf(object), nameOf(object), options);
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  }

  /** Server-side applies a manifest, as the agent does (manager `kube-sim` unless told, no force unless told). */
  applyObject(manifest: JsonObject, options: WriteOptions = {}): JsonObject {
    const { type, namespace, name } = this.locate(manifest);
    return this.patch(type, namespace, name, 'apply', manifest, { fieldManager: defaultFieldManager, ...options });
  }

  /** Creates an object from a manifest. */
  createObject(manifest: JsonObject, options: WriteOptions = {}): JsonObject {
    const { type, namespace } = this.locate(manifest);
    return this.create(type, namespace, manifest, options);
  }

  /** Replaces an object (PUT) from a full manifest, as an Update-operation manager. */
  updateObject(manifest: JsonObject, options: WriteOptions = {}): JsonObject {
    const { type, namespace, name } = this.locate(manifest);
    return this.update(type, namespace, name, manifest, options);
  }

  /**
   * Changes an object the way `kubectl edit` does: a strategic merge patch (a merge patch for
   * custom resources) sent by the Update-operation manager `kubectl-edit` unless told otherwise.
   */
  editObject(reference: ObjectReference, patch: JsonObject, options: WriteOptions = {}): JsonObject {
    const type = this.requireType(reference.apiVersion, reference.kind);
    return this.patch(type, reference.namespace ?? '', reference.name, type.definedBy ? 'merge' : 'strategic', patch, { fieldManager: 'kubectl-edit', ...options });
  }

  /** The object, or undefined when it does not exist. */
  findObject(reference: ObjectReference): JsonObject | undefined {
    const type = this.requireType(reference.apiVersion, reference.kind);
    const object = this.store.get(groupResource(type), type.namespaced ? (reference.namespace ?? '') : '', reference.name);
    return object && this.present(type, object);
  }

  /** The objects of a kind (in one namespace, or all), with apiVersion and kind on each. */
  listObjects(apiVersion: string, kind: string, namespace?: string, options: ListOptions = {}): JsonObject[] {
    const type = this.requireType(apiVersion, kind);
    return (this.list(type, namespace, options).items as JsonObject[]).map((item) => ({ ...item, apiVersion, kind }));
  }

  /** Deletes an object (finalizers honoured). */
  deleteObject(reference: ObjectReference, options: DeleteOptions = {}): JsonObject {
    return this.delete(this.requireType(reference.apiVersion, reference.kind), reference.namespace ?? '', reference.name, options);
  }

  /** The stored object, 404 when missing (or its namespace is). */
  existing(type: ResourceType, namespace: string, name: string): JsonObject {
    const object = this.store.get(groupResource(type), type.namespaced ? namespace : '', name);
    if (!object) throw notFound(this.subject(type, name));
    return object;
  }

  /** Any stored type by its group and resource (whatever version), for cross-type work. */
  typeOf(groupResourceKey: string): ResourceType | undefined {
    return this.typeByGroupResource.get(groupResourceKey);
  }

  private locate(manifest: JsonObject): { type: ResourceType; namespace: string; name: string } {
    const type = this.requireType(String(manifest.apiVersion), String(manifest.kind));
    const namespace = type.namespaced ? namespaceOf(manifest) || 'default' : '';
    return { type, namespace, name: nameOf(manifest) };
  }

  private subject(type: ResourceType, name?: string): StatusSubject {
    return { group: type.group, resource: type.resource, name };
  }

  private writer(type: ResourceType, options: WriteOptions, operation: WriterIdentity['operation'], subresource?: string): WriterIdentity {
    return { manager: options.fieldManager || defaultFieldManager, operation, apiVersion: apiVersionOf(type), subresource };
  }

  // The body must be of the URL's type, name and namespace (400 as the API server words it).
  private checkIdentity(type: ResourceType, body: JsonObject, namespace: string, name?: string): void {
    if (!isPlainObject(body)) throw badRequest('the body of the request must be an object');
    if (body.kind !== undefined && body.kind !== type.kind) {
      throw badRequest(`the kind of the provided object (${String(body.kind)}) does not match the expected kind (${type.kind})`);
    }
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(type)) {
      throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`);
    }
    const metadata = metadataOf(body);
    if (type.namespaced && metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (name !== undefined && metadata.name !== undefined && metadata.name !== name) {
      throw badRequest(`the name of the object (${String(metadata.name)}) does not match the name on the URL (${name})`);
    }
  }

  private checkResourceVersion(type: ResourceType, existing: JsonObject, body: JsonObject): void {
    const requested = metadataOf(body).resourceVersion;
    if (requested !== undefined && requested !== '' && requested !== metadataOf(existing).resourceVersion) {
      throw staleConflict(this.subject(type, nameOf(existing)));
    }
  }

  private apply(type: ResourceType, namespace: string, name: string, patch: unknown, options: WriteOptions, subresource?: string): JsonObject {
    if (!isPlainObject(patch)) throw badRequest('the apply configuration must be an object');
    if (!options.fieldManager) throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    if (typeof patch.apiVersion !== 'string' || typeof patch.kind !== 'string') {
      throw badRequest(`error decoding patch: ${typeof patch.kind !== 'string' ? 'Object \'Kind\' is missing' : 'Object \'apiVersion\' is missing'} in '${JSON.stringify(patch)}'`);
    }
    this.checkIdentity(type, patch, namespace, name);
    const requestedManagers = metadataOf(patch).managedFields;
    if (Array.isArray(requestedManagers) && requestedManagers.length > 0) throw badRequest('metadata.managedFields must be nil');
    const stored = this.store.get(groupResource(type), type.namespaced ? namespace : '', name);
    if (!stored && subresource) throw notFound(this.subject(type, name));
    if (stored) this.checkResourceVersion(type, stored, patch);
    const live = stored ?? { apiVersion: apiVersionOf(type), kind: type.kind, metadata: type.namespaced ? { name, namespace } : { name } };
    const writer = this.writer(type, options, 'Apply', subresource);
    const result = serverSideApply({
      live,
      managers: stored ? decodeManagedFields(metadataOf(stored).managedFields) : [],
      applied: patch,
      writer,
      force: options.force === true,
      schema: type.schema,
      subresource,
      statusIsSubresource: type.statusSubresource,
      now: timestamp(),
    });
    const candidate = clone(result.object);
    return stored ? this.replace(type, stored, candidate, writer, options, result.managers) : this.insert(type, namespace, candidate, writer, options, result.managers);
  }

  // Create: identity, namespace, defaults, validation, ownership, then store.
  private insert(type: ResourceType, namespace: string, candidate: JsonObject, writer: WriterIdentity, options: WriteOptions, managers?: ManagerFields[]): JsonObject {
    const metadata = metadataOf(candidate);
    candidate.metadata = metadata;
    candidate.apiVersion = apiVersionOf(type);
    candidate.kind = type.kind;
    if (type.namespaced) metadata.namespace = namespace;
    else delete metadata.namespace;
    if ((metadata.name === undefined || metadata.name === '') && typeof metadata.generateName === 'string' && metadata.generateName) {
      metadata.name = generatedName(metadata.generateName);
    }
    if (type.namespaced) this.checkNamespaceAcceptsContent(type, namespace, nameOf(candidate));
    if (nameOf(candidate) && this.store.get(groupResource(type), namespace, nameOf(candidate))) throw alreadyExists(this.subject(type, nameOf(candidate)));
    const now = timestamp();
    for (const field of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']) delete metadata[field];
    metadata.uid = newUid();
    metadata.creationTimestamp = now;
    if (type.tracksGeneration) metadata.generation = 1;
    else delete metadata.generation;
    if (type.statusSubresource) delete candidate.status;
    this.normalize(type, candidate);
    validateObject(type, candidate);
    if (type.kind === 'CustomResourceDefinition') {
      validateCrd(candidate);
      candidate.status = establishedCrdStatus(candidate, now);
    }
    this.admission.admit(groupResource(type), candidate);
    const owners = managers ?? transferOwnership([], writer, compareObjects({}, trackedView(candidate, writer.subresource, type.statusSubresource), type.schema), now);
    this.setManagedFields(candidate, owners);
    if (options.dryRun) return this.present(type, candidate);
    return this.commit(type, candidate);
  }

  // Update, patch and apply of an existing object.
  private replace(type: ResourceType, existing: JsonObject, candidate: JsonObject, writer: WriterIdentity, options: WriteOptions, managers?: ManagerFields[]): JsonObject {
    const next = this.restrictToSubresource(type, existing, candidate, writer.subresource);
    const metadata = metadataOf(next);
    const before = metadataOf(existing);
    next.metadata = metadata;
    next.apiVersion = apiVersionOf(type);
    next.kind = type.kind;
    for (const field of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'resourceVersion']) {
      if (before[field] === undefined) delete metadata[field];
      else metadata[field] = before[field];
    }
    if (before.deletionTimestamp) {
      const added = finalizersOf(next).filter((finalizer) => !finalizersOf(existing).includes(finalizer));
      if (added.length > 0) {
        throw invalid({ group: type.group, kind: type.kind, name: nameOf(existing) }, [
          { reason: 'FieldValueForbidden', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`, field: 'metadata.finalizers' },
        ]);
      }
    }
    this.normalize(type, next);
    validateObject(type, next);
    const now = timestamp();
    if (type.kind === 'CustomResourceDefinition') {
      validateCrd(next);
      next.status = establishedCrdStatus(next, now);
    }
    // Admission policies here match resources, not their subresources (status, scale), as a policy's resourceRules without `deployments/scale` do.
    if (writer.subresource === undefined) this.admission.admit(groupResource(type), next);
    const owners = managers ?? this.updateOwnership(type, existing, next, writer, now);
    if (type.tracksGeneration && specChanged(existing, next)) metadata.generation = ((before.generation as number | undefined) ?? 0) + 1;
    this.setManagedFields(next, owners);
    if (isNoOp(existing, next)) return this.present(type, existing);
    if (options.dryRun) return this.present(type, next);
    if (metadata.deletionTimestamp && finalizersOf(next).length === 0 && type.kind !== 'Namespace') {
      this.remove(type, next);
      return this.present(type, next);
    }
    return this.commit(type, next);
  }

  // Ownership after an Update-operation write; a client may replace or (with `[{}]`) strip managedFields.
  private updateOwnership(type: ResourceType, existing: JsonObject, next: JsonObject, writer: WriterIdentity, now: string): ManagerFields[] {
    const requested = metadataOf(next).managedFields;
    const stored = metadataOf(existing).managedFields;
    let base = decodeManagedFields(stored);
    if (Array.isArray(requested) && requested.length > 0 && !deepEqual(requested, stored)) {
      base = decodeManagedFields(requested);
      if (base.length === 0) return [];
    }
    const comparison = compareObjects(
      trackedView(existing, writer.subresource, type.statusSubresource),
      trackedView(next, writer.subresource, type.statusSubresource),
      type.schema,
    );
    return transferOwnership(base, writer, comparison, now);
  }

  // A status write changes only status; a main write of a kind with a status subresource keeps the stored status.
  private restrictToSubresource(type: ResourceType, existing: JsonObject, candidate: JsonObject, subresource: string | undefined): JsonObject {
    if (subresource === 'status') {
      const next = clone(existing);
      if (candidate.status === undefined) delete next.status;
      else next.status = candidate.status;
      metadataOf(next).managedFields = metadataOf(candidate).managedFields ?? metadataOf(existing).managedFields;
      return next;
    }
    if (type.statusSubresource) {
      if (existing.status === undefined) delete candidate.status;
      else candidate.status = clone(existing.status);
    }
    return candidate;
  }

  private normalize(type: ResourceType, object: JsonObject): void {
    if (type.definedBy) normalizeCustomResource(object, type.structuralSchema);
    else applyDefaults(type, object, this.allocators);
  }

  private setManagedFields(object: JsonObject, managers: ManagerFields[]): void {
    const metadata = metadataOf(object);
    const encoded = encodeManagedFields(managers);
    if (encoded.length > 0) metadata.managedFields = encoded;
    else delete metadata.managedFields;
  }

  // Stores a new version of an object at the next revision and runs what follows from it.
  private commit(type: ResourceType, object: JsonObject): JsonObject {
    const revision = this.store.nextRevision();
    metadataOf(object).resourceVersion = String(revision);
    this.store.put(groupResource(type), object, revision);
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') this.serveCrd(object);
    return this.present(type, object);
  }

  private checkNamespaceAcceptsContent(type: ResourceType, namespace: string, name: string): void {
    const found = this.store.get('namespaces', '', namespace);
    if (!found) throw notFound({ group: '', resource: 'namespaces', name: namespace });
    if (metadataOf(found).deletionTimestamp) {
      throw forbidden(this.subject(type, name), `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  private markDeleting(type: ResourceType, existing: JsonObject): JsonObject {
    if (metadataOf(existing).deletionTimestamp) return existing;
    const next = clone(existing);
    const metadata = metadataOf(next);
    metadata.deletionTimestamp = timestamp();
    metadata.deletionGracePeriodSeconds = 0;
    if (type.tracksGeneration) metadata.generation = ((metadata.generation as number | undefined) ?? 0) + 1;
    return this.commit(type, next);
  }

  // Removes an object for good and runs what follows: CRD types go, dependents are collected, namespaces finish.
  private remove(type: ResourceType, object: JsonObject): void {
    const revision = this.store.nextRevision();
    const final = { ...object, metadata: { ...metadataOf(object), resourceVersion: String(revision) } };
    this.store.remove(groupResource(type), final, revision);
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') this.unserveCrd(final);
    this.deleteDependents(metadataOf(object).uid as string);
    const namespace = namespaceOf(object);
    if (namespace) this.finishNamespaceIfEmpty(namespace);
  }

  private dependentsOf(uid: string): Array<{ type: ResourceType; object: JsonObject }> {
    const found: Array<{ type: ResourceType; object: JsonObject }> = [];
    for (const key of this.store.groupResources()) {
      const type = this.typeByGroupResource.get(key);
      if (!type) continue;
      for (const object of this.store.list(key)) {
        const owners = metadataOf(object).ownerReferences;
        if (Array.isArray(owners) && owners.some((owner) => isPlainObject(owner) && owner.uid === uid)) found.push({ type, object });
      }
    }
    return found;
  }

  private deleteDependents(uid: string): void {
    for (const { type, object } of this.dependentsOf(uid)) {
      if (this.store.get(groupResource(type), namespaceOf(object), nameOf(object)) && !metadataOf(object).deletionTimestamp) {
        this.delete(type, namespaceOf(object), nameOf(object), { propagationPolicy: 'Background' });
      }
    }
  }

  private orphanDependents(uid: string): void {
    for (const { type, object } of this.dependentsOf(uid)) {
      const next = clone(object);
      const metadata = metadataOf(next);
      metadata.ownerReferences = (metadata.ownerReferences as JsonObject[]).filter((owner) => owner.uid !== uid);
      if ((metadata.ownerReferences as JsonObject[]).length === 0) delete metadata.ownerReferences;
      this.replace(type, object, next, { manager: controllerManager, operation: 'Update', apiVersion: apiVersionOf(type) }, {});
    }
  }

  // Namespaces go Terminating, their content is deleted, and they go once nothing is left.
  private terminateNamespace(type: ResourceType, namespace: JsonObject): JsonObject {
    const name = nameOf(namespace);
    let current = namespace;
    if (!metadataOf(namespace).deletionTimestamp) {
      const next = clone(namespace);
      metadataOf(next).deletionTimestamp = timestamp();
      metadataOf(next).deletionGracePeriodSeconds = 0;
      next.status = { ...(isPlainObject(next.status) ? next.status : {}), phase: 'Terminating' };
      current = this.commit(type, next);
    }
    for (const key of this.store.groupResources()) {
      const contentType = this.typeByGroupResource.get(key);
      if (!contentType?.namespaced) continue;
      for (const object of this.store.list(key, name)) {
        if (!metadataOf(object).deletionTimestamp) this.delete(contentType, name, nameOf(object));
      }
    }
    this.finishNamespaceIfEmpty(name);
    return current;
  }

  private finishNamespaceIfEmpty(name: string): void {
    const namespace = this.store.get('namespaces', '', name);
    if (!namespace || !metadataOf(namespace).deletionTimestamp || finalizersOf(namespace).length > 0) return;
    const empty = this.store.groupResources().every((key) => !this.typeByGroupResource.get(key)?.namespaced || this.store.list(key, name).length === 0);
    if (!empty) return;
    const final = clone(namespace);
    final.spec = { ...(isPlainObject(final.spec) ? final.spec : {}), finalizers: [] };
    this.remove(this.typeByGroupResource.get('namespaces')!, final);
  }

  private serveCrd(crd: JsonObject): void {
    const name = nameOf(crd);
    this.types.removeDefinedBy(name);
    for (const type of crdResourceTypes(crd)) {
      this.types.add(type);
      this.typeByGroupResource.set(groupResource(type), type);
    }
  }

  private unserveCrd(crd: JsonObject): void {
    const types = crdResourceTypes(crd);
    if (types.length === 0) return;
    const key = groupResource(types[0]);
    for (const object of this.store.list(key)) this.remove(types[0], object);
    this.store.dropTable(key);
    this.types.removeDefinedBy(nameOf(crd));
    this.typeByGroupResource.delete(key);
  }
}

function keyOf(object: JsonObject): string {
  const namespace = namespaceOf(object);
  return namespace ? `${namespace}/${nameOf(object)}` : nameOf(object);
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof token.rv === 'number' && typeof token.start === 'string') return token;
  } catch {
    // fall through to the error a real server gives
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

// Whether anything outside metadata and status changed: what bumps `metadata.generation`.
function specChanged(before: JsonObject, after: JsonObject): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    if (key === 'metadata' || key === 'status' || key === 'apiVersion' || key === 'kind') continue;
    if (!deepEqual(before[key], after[key])) return true;
  }
  return Boolean(metadataOf(after).deletionTimestamp) && !metadataOf(before).deletionTimestamp;
}

// A write that changes nothing but managedFields timestamps is not stored (no new resourceVersion, no event).
function isNoOp(existing: JsonObject, next: JsonObject): boolean {
  const strip = (object: JsonObject): JsonObject => {
    const { managedFields: _managedFields, ...metadata } = metadataOf(object);
    return { ...object, metadata };
  };
  if (!deepEqual(strip(existing), strip(next))) return false;
  return sameOwnership(decodeManagedFields(metadataOf(existing).managedFields), decodeManagedFields(metadataOf(next).managedFields));
}
