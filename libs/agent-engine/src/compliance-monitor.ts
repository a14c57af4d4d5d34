import { apiMessageOf, type BackoffOptions, backoffDelayMs, defaultWatchBackoff, type ResourceManager, type ServedKind, servedKinds, watchKind } from '@capstan/kube';
import { identityOf, type JsonObject } from '@capstan/manifest';
import { type CompiledPolicy, compilePolicy, evaluate, type GroupKind, kindsJudged, type KubeObject, type Policy, type PolicyCluster, type Violation } from '@capstan/policy';
import type { PolicyInForce, PolicySet } from '@capstan/proto';
import type { ComplianceVerdict, ComplianceViolation, ObjectRef } from '@capstan/vocabulary';
import { ComplianceTracker, liveObjectKey } from './compliance-tracker';

/** A policy judged whole: every non-compliant object of its version is among the verdicts told with it. */
export interface CompletePolicy {
  name: string;
  version: number;
}

/** What the compliance monitor tells the agent. */
export interface ComplianceMonitorHandlers {
  /** These policies were judged whole; `verdicts` are all their non-compliant objects. */
  complete(policies: CompletePolicy[], verdicts: ComplianceVerdict[]): void;
  /** A verdict changed under a policy judged whole before. */
  changed(verdict: ComplianceVerdict): void;
  /** Something kept a policy from being judged: it does not compile, or its kinds cannot be discovered or watched. */
  failed(reason: string): void;
}

interface LivePolicy {
  entry: PolicyInForce;
  compiled: CompiledPolicy;
  kinds: GroupKind[];
  /** Its rules judged over a whole namespace (namespace-default-deny): an event re-judges the object's namespace. */
  overNamespace: boolean;
  /** Judged whole once every watch it needs has listed its objects; until then nothing of it is told. */
  complete: boolean;
}

/** Objects of one served kind in one namespace (`''`: all), as last listed and watched. */
interface LiveKind {
  served: ServedKind;
  namespace: string;
  listed: boolean;
  objects: Map<string, KubeObject>;
  stop: () => void;
}

const namespaceKind: GroupKind = { group: '', kind: 'Namespace' };
const matches = (patterns: readonly GroupKind[], kind: { group: string; kind: string }) => patterns.some((pattern) => (pattern.group === '*' || pattern.group === kind.group) && (pattern.kind === '*' || pattern.kind === kind.kind));
const watchKey = (served: ServedKind, namespace: string) => `${served.apiVersion}|${served.kind}|${namespace}`;
const refOf = (object: KubeObject): ObjectRef => identityOf(object as JsonObject);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The namespace an object counts as in for a namespace-wide judgement: a Namespace's own name, `''` for other cluster-scoped objects. */
function namespaceOf(object: KubeObject): string {
  if (object.kind === 'Namespace') return object.metadata?.name ?? '';
  return object.metadata?.namespace ?? '';
}

/**
 * The compliance reconciler: evaluates the policies in force for the cluster on its live objects
 * — every object of the kinds they judge, Capstan's or not — listing and watching those kinds
 * (only the namespaces in scope when every policy names some), and tells changes of verdict only.
 * A policy is told whole once all its kinds are listed; from then on each watch event re-judges
 * the object (its whole namespace for rules judged over one, and for a Namespace's own changes).
 * Watches that fail are retried with backoff and listed again, so objects deleted meanwhile go.
 */
export class ComplianceMonitor {
  private readonly tracker = new ComplianceTracker();
  private readonly policies = new Map<string, LivePolicy>();
  private readonly kinds = new Map<string, LiveKind>();
  private cluster: PolicyCluster = { name: '', labels: {}, groups: [] };
  private digest = '';
  /** The digest of the set whose kinds are being watched, once discovery found them. */
  private discovered = '';
  private discoveryAttempts = 0;
  private discoveryRetry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly resources: ResourceManager,
    private readonly handlers: ComplianceMonitorHandlers,
    private readonly backoff: BackoffOptions = defaultWatchBackoff(),
  ) {}

  /** The digest of the policy set being enforced; `''` before any. */
  get policySetDigest(): string {
    return this.digest;
  }

  /** Enforces a policy set: policies new or at a new version are judged again from scratch, those gone are forgotten. */
  enforce(set: PolicySet): void {
    if (this.stopped || set.digest === this.digest) return;
    this.digest = set.digest;
    this.cluster = { name: '', labels: { ...set.clusterLabels }, groups: [...set.clusterGroups] };
    const listed = new Set(set.policies.map((entry) => entry.name));
    for (const name of this.policies.keys()) {
      if (listed.has(name)) continue;
      this.policies.delete(name);
      this.tracker.forget(name);
    }
    for (const entry of set.policies) {
      if (this.policies.get(entry.name)?.entry.version === entry.version) continue;
      this.tracker.forget(entry.name);
      this.policies.delete(entry.name);
      try {
        const compiled = compilePolicy(JSON.parse(entry.definitionJson) as Policy);
        const overNamespace = compiled.rules.some((rule) => rule.type === 'builtin' && rule.definition.checkInput !== undefined);
        this.policies.set(entry.name, { entry, compiled, kinds: kindsJudged(compiled), overNamespace, complete: false });
      } catch (error) {
        this.handlers.failed(`policy ${entry.name} version ${entry.version} cannot be judged here: ${messageOf(error)}`);
      }
    }
    void this.watchNeeded();
  }

  /** Tells every policy judged whole again, with all its non-compliant objects (a new session starts from nothing). */
  resend(): void {
    const complete = [...this.policies.values()].filter((policy) => policy.complete);
    this.handlers.complete(
      complete.map((policy) => ({ name: policy.entry.name, version: policy.entry.version })),
      complete.flatMap((policy) => this.tracker.nonCompliant(policy.entry.name)),
    );
  }

  stop(): void {
    this.stopped = true;
    if (this.discoveryRetry) clearTimeout(this.discoveryRetry);
    for (const kind of this.kinds.values()) kind.stop();
    this.kinds.clear();
  }

  /** Watches exactly the kinds the policies judge (and Namespaces, which selectors and namespace-wide rules read); retries discovery with backoff. */
  private async watchNeeded(): Promise<void> {
    if (this.discoveryRetry) clearTimeout(this.discoveryRetry);
    this.discoveryRetry = null;
    const digest = this.digest;
    let served: ServedKind[];
    try {
      served = this.policies.size === 0 ? [] : await servedKinds(this.resources);
      this.discoveryAttempts = 0;
    } catch (error) {
      this.handlers.failed(`the kinds the cluster serves cannot be discovered: ${apiMessageOf(error)}`);
      this.discoveryRetry = setTimeout(() => void this.watchNeeded(), backoffDelayMs(this.discoveryAttempts++, this.backoff));
      this.discoveryRetry.unref();
      return;
    }
    if (this.stopped || digest !== this.digest) return;
    const needed = new Map<string, { served: ServedKind; namespace: string }>();
    for (const kind of served) {
      const judging = [...this.policies.values()].filter((policy) => matches(policy.kinds, kind));
      if (judging.length === 0 && !matches([namespaceKind], kind)) continue;
      const namespaces = judging.map((policy) => policy.compiled.policy.scope?.namespaces);
      const everywhere = !kind.namespaced || judging.length === 0 || namespaces.some((listed) => listed === undefined);
      for (const namespace of everywhere ? [''] : [...new Set(namespaces.flat() as string[])]) needed.set(watchKey(kind, namespace), { served: kind, namespace });
    }
    for (const [key, kind] of this.kinds) {
      if (needed.has(key)) continue;
      kind.stop();
      this.kinds.delete(key);
    }
    for (const [key, { served: kind, namespace }] of needed) if (!this.kinds.has(key)) this.startWatch(key, kind, namespace);
    this.discovered = digest;
    this.completeReadyPolicies();
  }

  /** Lists the kind, then watches it; a watch running again after a failure lists again, so what was deleted meanwhile goes. */
  private startWatch(key: string, served: ServedKind, namespace: string): void {
    const live: LiveKind = { served, namespace, listed: false, objects: new Map(), stop: () => undefined };
    this.kinds.set(key, live);
    let failing = false;
    const list = async () => {
      try {
        const listing = await this.resources.client.list(served.apiVersion, served.kind, namespace || undefined);
        if (this.kinds.get(key) !== live) return;
        const objects = listing.items.map((item) => ({ ...item, apiVersion: served.apiVersion, kind: served.kind }) as KubeObject);
        const keys = new Set(objects.map((object) => liveObjectKey(refOf(object))));
        for (const [objectKey, object] of live.objects) if (!keys.has(objectKey)) this.observe(live, 'DELETED', object);
        for (const object of objects) this.observe(live, 'MODIFIED', object);
        if (!live.listed) {
          live.listed = true;
          this.completeReadyPolicies();
        }
      } catch (error) {
        this.handlers.failed(`${served.kind} cannot be listed: ${apiMessageOf(error)}`);
      }
    };
    void list();
    live.stop = watchKind(this.resources, { apiVersion: served.apiVersion, kind: served.kind, namespace }, (type, object) => this.observe(live, type, object as KubeObject), {
      backoff: this.backoff,
      onStatus: (error) => {
        if (error) {
          failing = true;
          return this.handlers.failed(`${served.kind} cannot be watched: ${error}`);
        }
        if (failing) void list();
        failing = false;
      },
    });
  }

  /** Takes in an object as listed or watched; once listed, the policies judged whole that judge it judge it again. */
  private observe(live: LiveKind, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void {
    if (this.kinds.get(watchKey(live.served, live.namespace)) !== live) return;
    const key = liveObjectKey(refOf(object));
    if (type === 'DELETED') live.objects.delete(key);
    else live.objects.set(key, object);
    if (!live.listed) return;
    const isNamespace = matches([namespaceKind], live.served);
    for (const policy of this.policies.values()) {
      if (!policy.complete) continue;
      const judgesKind = matches(policy.kinds, live.served);
      if (!judgesKind && !isNamespace) continue;
      // A Namespace's labels decide selectors of the objects in it; namespace-wide rules judge all of them together.
      const unit = policy.overNamespace || isNamespace ? this.objectsOf(policy).filter((candidate) => namespaceOf(candidate) === namespaceOf(object)) : type === 'DELETED' ? [] : [object];
      const gone = type === 'DELETED' && judgesKind ? [refOf(object)] : [];
      for (const verdict of this.judge(policy, unit, gone)) {
        const transition = this.tracker.judge(verdict);
        if (transition) this.handlers.changed(transition);
      }
    }
  }

  /** Policies not yet judged whole whose watches have all listed: judged over all their objects and told whole. */
  private completeReadyPolicies(): void {
    const ready = [...this.policies.values()].filter((policy) => !policy.complete && this.listedFor(policy));
    if (ready.length === 0) return;
    for (const policy of ready) {
      policy.complete = true;
      for (const verdict of this.judge(policy, this.objectsOf(policy), [])) this.tracker.judge(verdict);
    }
    this.handlers.complete(
      ready.map((policy) => ({ name: policy.entry.name, version: policy.entry.version })),
      ready.flatMap((policy) => this.tracker.nonCompliant(policy.entry.name)),
    );
  }

  /** Whether every watch the policy reads (its kinds, and Namespaces) has listed its objects, the kinds needed for this set being known. */
  private listedFor(policy: LivePolicy): boolean {
    return this.discovered === this.digest && [...this.kinds.values()].every((live) => live.listed || !matches([...policy.kinds, namespaceKind], live.served));
  }

  private objectsOf(policy: LivePolicy): KubeObject[] {
    return [...this.kinds.values()].filter((live) => matches(policy.kinds, live.served)).flatMap((live) => [...live.objects.values()]);
  }

  private namespaces(): KubeObject[] {
    return [...this.kinds.values()].filter((live) => matches([namespaceKind], live.served)).flatMap((live) => [...live.objects.values()]);
  }

  /**
   * A verdict for each of `objects` (and each object a namespace-wide rule reports on), and a
   * compliant one for each of `gone`. A rule that cannot be evaluated is a violation of its own
   * (libs/policy bounds every CEL evaluation); nothing here throws into a watch.
   */
  private judge(policy: LivePolicy, objects: readonly KubeObject[], gone: readonly ObjectRef[]): ComplianceVerdict[] {
    const { name, version } = policy.entry;
    let violations: Violation[];
    try {
      violations = evaluate(policy.compiled, { objects: [...objects], cluster: this.cluster, namespaces: this.namespaces(), now: Date.now() });
    } catch (error) {
      const reason = `policy ${name} could not be evaluated: ${messageOf(error)}`;
      this.handlers.failed(reason);
      return objects.map((object) => ({ policy: name, policyVersion: version, object: refOf(object), compliant: false, violations: [{ rule: '', fieldPath: '', message: reason }] }));
    }
    const verdicts = new Map<string, ComplianceVerdict>();
    const verdictOf = (object: ObjectRef) => {
      const key = liveObjectKey(object);
      let verdict = verdicts.get(key);
      if (!verdict) {
        verdict = { policy: name, policyVersion: version, object, compliant: true, violations: [] };
        verdicts.set(key, verdict);
      }
      return verdict;
    };
    for (const object of gone) verdictOf(object);
    for (const object of objects) verdictOf(refOf(object));
    for (const violation of violations) {
      const { apiVersion, kind, namespace, name: objectName } = violation.object;
      const verdict = verdictOf(refOf({ apiVersion, kind, metadata: { name: objectName, namespace } }));
      const finding: ComplianceViolation = { rule: violation.rule, fieldPath: violation.fieldPath, message: violation.message };
      verdict.compliant = false;
      verdict.violations.push(finding);
    }
    return [...verdicts.values()];
  }
}
