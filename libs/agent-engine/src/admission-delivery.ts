import { apiMessageOf, applyAll, type BackoffOptions, backoffDelayMs, defaultWatchBackoff, deleteAll, type ResourceManager, statusCodeOf } from '@capstan/kube';
import { identityOf, type JsonObject, type ObjectIdentity } from '@capstan/manifest';
import { admissionApiVersion, type AdmissionObject, isNativeAdmissionObject, managedByLabel, nativeAdmissionFor, type Policy } from '@capstan/policy';
import type { PolicySet } from '@capstan/proto';
import { type ChangeSet, entriesWith } from '@capstan/vocabulary';

/** What the admission delivery tells the agent. */
export interface AdmissionDeliveryHandlers {
  /** A pass brought the cluster's native objects to the policy set: what it applied and deleted. */
  delivered(changeSet: ChangeSet): void;
  /** Something kept a policy from the cluster's admission (told once until a pass succeeds); what can succeed later is tried again. */
  failed(reason: string): void;
}

const nativeKinds = ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'];
const nativeResources = ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'];
// setTimeout fires at once beyond 2^31-1 ms; a far expiry is waited for in steps.
const longestWaitMs = 24 * 3_600_000;

const subjectOf = (object: { kind: string; name: string }) => `${object.kind}/${object.name}`;

/**
 * Admission delivery: the CEL rules of the policies in enforce mode, as ValidatingAdmissionPolicies
 * bound with Deny (`nativeAdmissionFor` in libs/policy), server-side applied with Capstan's field
 * manager to a cluster that serves them, so a write made behind Capstan's back that violates them
 * is refused by the API server itself (the agent's own namespace left out). The native objects Capstan delivered that the set no longer
 * wants (a policy deleted, switched out of enforce, out of scope) are deleted. One pass at a time,
 * the last set given winning; a failed pass is tried again with backoff, and a pass runs again when
 * an exemption delivered expires.
 */
export class AdmissionDelivery {
  private set: PolicySet | null = null;
  private running: Promise<void> | null = null;
  private passAgain = false;
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Reasons told since the last pass without failures, so that retries do not repeat them. */
  private readonly told = new Set<string>();
  private stopped = false;

  constructor(
    private readonly resources: ResourceManager,
    /** The agent's own namespace, which the native objects leave alone. */
    private readonly agentNamespace: string,
    private readonly handlers: AdmissionDeliveryHandlers,
    private readonly backoff: BackoffOptions = defaultWatchBackoff(),
  ) {}

  /** Brings the cluster's native objects to this policy set, in the background. */
  deliver(set: PolicySet): void {
    this.set = set;
    this.attempts = 0;
    this.pass();
  }

  /** Delivers the last set again, so that native objects deleted or changed out of band come back. */
  redeliver(): void {
    this.pass();
  }

  /** Stops passing, once the pass under way (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private pass(): void {
    if (this.stopped || !this.set) return;
    if (this.running) {
      this.passAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.deliverSet(this.set).finally(() => {
      this.running = null;
      if (!this.passAgain) return;
      this.passAgain = false;
      this.pass();
    });
  }

  private async deliverSet(set: PolicySet): Promise<void> {
    const now = Date.now();
    const failures: string[] = [];
    let retry = false;
    let redeliverAt = Infinity;
    try {
      if (await this.admissionServed()) {
        const wanted = set.policies.flatMap((entry) => {
          try {
            const native = nativeAdmissionFor(JSON.parse(entry.definitionJson) as Policy, { now, agentNamespace: this.agentNamespace });
            redeliverAt = Math.min(redeliverAt, native.redeliverAt ?? Infinity);
            return native.objects;
          } catch (error) {
            failures.push(`policy ${entry.name} version ${entry.version} cannot be enforced at admission: ${apiMessageOf(error)}`);
            return [];
          }
        });
        const applied = await applyAll(this.resources, wanted as unknown as JsonObject[]);
        const wantedSubjects = new Set(wanted.map((object) => subjectOf({ kind: object.kind, name: object.metadata.name })));
        const deleted = await deleteAll(this.resources, (await this.delivered()).filter((identity) => !wantedSubjects.has(subjectOf(identity))));
        const changeSet = { entries: [...applied.entries, ...deleted.entries] };
        const failed = entriesWith(changeSet, 'failed');
        failures.push(...failed.map((entry) => `${entry.subject} cannot be delivered: ${entry.message ?? ''}`));
        retry = failed.length > 0;
        this.handlers.delivered(changeSet);
      } else {
        failures.push(`the cluster does not serve ${admissionApiVersion} ValidatingAdmissionPolicies: policies in enforce are judged by Capstan only`);
      }
    } catch (error) {
      failures.push(`ValidatingAdmissionPolicies cannot be delivered: ${apiMessageOf(error)}`);
      retry = true;
    }
    if (failures.length === 0) this.told.clear();
    for (const reason of failures) {
      if (this.told.has(reason)) continue;
      this.told.add(reason);
      this.handlers.failed(reason);
    }
    this.attempts = retry ? this.attempts + 1 : 0;
    const waitMs = retry ? backoffDelayMs(this.attempts - 1, this.backoff) : redeliverAt - now;
    if (this.stopped || !Number.isFinite(waitMs)) return;
    this.timer = setTimeout(() => this.pass(), Math.min(Math.max(waitMs, 0), longestWaitMs));
    this.timer.unref();
  }

  /** Whether the cluster serves both ValidatingAdmissionPolicies and their bindings (discovery). */
  private async admissionServed(): Promise<boolean> {
    try {
      const served = await this.resources.client.resourcesOf(admissionApiVersion);
      return nativeResources.every((name) => served.some((resource) => resource.name === name));
    } catch (error) {
      if (statusCodeOf(error) === 404) return false;
      throw error;
    }
  }

  /** The native objects Capstan delivered that are in the cluster now. */
  private async delivered(): Promise<ObjectIdentity[]> {
    const listed = await Promise.all(
      nativeKinds.map(async (kind) => {
        const { items } = await this.resources.client.list(admissionApiVersion, kind, undefined, undefined, undefined, undefined, undefined, `${managedByLabel}=capstan`);
        return items.filter((item) => isNativeAdmissionObject(item as unknown as AdmissionObject)).map((item) => identityOf({ ...item, apiVersion: admissionApiVersion, kind } as unknown as JsonObject));
      }),
    );
    return listed.flat();
  }
}
