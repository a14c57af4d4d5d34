import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ObjectDrift } from '@capstan/diff';
import { unknown } from '@capstan/health';
import type { ObjectIdentity } from '@capstan/manifest';
import { type AgentMessageSchema, changeActionFromName, healthStatusFromName } from '@capstan/proto';
import type { ChangeSet, ComplianceVerdict } from '@capstan/vocabulary';
import type { CompletePolicy } from './compliance-monitor';
import { liveObjectKey } from './compliance-tracker';
import type { ApplicationState, ManagedObject } from './application-state';
import { type Report, ReportCoalescer } from './report-coalescer';

export type AgentMessageBody = MessageInitShape<typeof AgentMessageSchema>['body'];

/** Drift reports, their resolutions and heal results must reach the hub: they are kept until it acknowledges them. */
export function mustArrive(body: AgentMessageBody): boolean {
  return body?.case === 'drift' || body?.case === 'driftResolved' || body?.case === 'healResult';
}

function toProtoRef(id: ObjectIdentity) {
  return { group: id.group, version: id.version, kind: id.kind, namespace: id.namespace, name: id.name };
}

export function toProtoChangeSet(changeSet: ChangeSet) {
  return {
    entries: changeSet.entries.map((entry) => ({ object: toProtoRef(entry.object), action: changeActionFromName(entry.action), message: entry.message ?? '' })),
  };
}

/** The application's status as its state says now; the signature leaves out only when it was observed. */
export function statusReport(state: ApplicationState): Report<AgentMessageBody> {
  const health = state.health;
  const resources = [...state.objects.values()].map((object) => {
    const objectHealth = object.health ?? unknown('not seen yet');
    return { object: toProtoRef(object.id), sync: object.sync, health: { status: healthStatusFromName(objectHealth.status), message: objectHealth.message } };
  });
  const content = {
    application: state.name,
    revision: state.desired.revision,
    bundleDigest: state.desired.bundleDigest,
    sync: state.sync,
    health: { status: healthStatusFromName(health.status), message: health.message },
    resources,
    error: state.error,
    watchError: state.watchError,
    lastChangeSet: toProtoChangeSet(state.lastChangeSet),
  };
  return { signature: JSON.stringify(content), value: { case: 'status', value: { ...content, observedAtUnixMs: BigInt(Date.now()) } } };
}

/**
 * The report reconciler: tells the hub what the agent sees, through the session's sequenced
 * channel. Statuses are coalesced per application (at most one per interval, only when changed);
 * drift, its end and heal results are sent as they happen and must arrive. Changes of compliance
 * go at most one report per interval, the last verdict per object; like statuses they need not
 * arrive, as every new session starts with all of it.
 */
export class Reporter {
  private readonly statuses: ReportCoalescer<AgentMessageBody>;
  private readonly complianceChanges = new Map<string, ComplianceVerdict>();
  private complianceTimer: NodeJS.Timeout | null = null;
  private complianceSentAt = 0;

  constructor(
    private readonly send: (body: AgentMessageBody) => void,
    private readonly intervalMs = 500,
  ) {
    this.statuses = new ReportCoalescer(intervalMs, (_application, body) => this.send(body));
  }

  /** The application's status changed, or may have. Nothing is said before its first deploy, nor while an apply runs: what it leaves is told after. */
  status(state: ApplicationState): void {
    if (state.deployed && state.applying === 0) this.statuses.offer(state.name, () => statusReport(state));
  }

  /** A new session starts from nothing: the hub gets every status again, including what changed while cut off. */
  resend(states: Iterable<ApplicationState>): void {
    this.statuses.reset();
    for (const state of states) this.status(state);
  }

  /** An application the cluster no longer runs: its pending status must not bring it back on the hub. */
  forget(application: string): void {
    this.statuses.forget(application);
  }

  /** A drift, judged against the revision its objects come from; `healedLocallyAt` when the agent healed it on its own. */
  drift(state: ApplicationState, drift: ObjectDrift, healedLocallyAt?: number): void {
    this.send({
      case: 'drift',
      value: {
        application: state.name,
        object: toProtoRef(drift.object),
        objectDeleted: drift.deleted,
        observedAtUnixMs: BigInt(Date.now()),
        revision: state.revision,
        fields: drift.fields.map((field) => ({ path: field.path, desiredJson: JSON.stringify(field.desired), liveJson: field.live === undefined ? '' : JSON.stringify(field.live), changedBy: field.changedBy ?? '' })),
        ...(healedLocallyAt === undefined ? {} : { healedLocallyAtUnixMs: BigInt(healedLocallyAt) }),
      },
    });
  }

  /** A drift told before has ended: the object matches git again, put back by `restoredBy`. */
  driftResolved(state: ApplicationState, object: ManagedObject, restoredBy: string): void {
    this.send({ case: 'driftResolved', value: { application: state.name, object: toProtoRef(object.id), revision: state.revision, resolvedAtUnixMs: BigInt(Date.now()), restoredBy } });
  }

  healResult(instructionId: string, application: string, changeSet: ChangeSet): void {
    const failed = changeSet.entries.filter((entry) => entry.action === 'failed');
    this.send({ case: 'healResult', value: { instructionId, application, changeSet: toProtoChangeSet(changeSet), error: failed.map((entry) => `${entry.subject}: ${entry.message}`).join('; ') } });
  }

  checksums(applications: ReadonlyArray<{ application: string; liveDigest: string }>): void {
    this.send({ case: 'checksums', value: { applications: [...applications] } });
  }

  /** Policies judged whole, with every non-compliant object of theirs: sent at once, in place of their changes not sent yet. */
  complianceComplete(policies: readonly CompletePolicy[], verdicts: readonly ComplianceVerdict[]): void {
    const names = new Set(policies.map((policy) => policy.name));
    for (const [key, verdict] of this.complianceChanges) if (names.has(verdict.policy)) this.complianceChanges.delete(key);
    this.sendCompliance(policies, verdicts);
  }

  /** A change of verdict, sent with the others of its interval. */
  complianceChanged(verdict: ComplianceVerdict): void {
    this.complianceChanges.set(`${verdict.policy}|${liveObjectKey(verdict.object)}`, verdict);
    if (this.complianceTimer) return;
    this.complianceTimer = setTimeout(
      () => {
        this.complianceTimer = null;
        const changes = [...this.complianceChanges.values()];
        this.complianceChanges.clear();
        if (changes.length > 0) this.sendCompliance([], changes);
      },
      Math.max(0, this.complianceSentAt + this.intervalMs - Date.now()),
    );
    this.complianceTimer.unref();
  }

  private sendCompliance(policies: readonly CompletePolicy[], verdicts: readonly ComplianceVerdict[]): void {
    this.complianceSentAt = Date.now();
    this.send({
      case: 'compliance',
      value: {
        complete: [...policies],
        entries: verdicts.map((verdict) => ({ policy: verdict.policy, policyVersion: verdict.policyVersion, object: toProtoRef(verdict.object), compliant: verdict.compliant, violations: verdict.violations })),
        observedAtUnixMs: BigInt(Date.now()),
      },
    });
  }
}
