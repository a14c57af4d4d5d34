import type { ChangeAction as ChangeActionName, HealPolicy as HealPolicyName } from '@capstan/vocabulary';
import { ChangeAction, HealPolicy, HealthStatus } from './generated/capstan/agent/v1/agent_pb';

/*
 * The protocol's enums and the names the rest of Capstan uses for the same things (ChangeSet
 * actions as libs/kube writes them, health as libs/health writes it). Both sides of the wire map
 * through these tables, so they cannot disagree.
 */

const changeActionNames: Record<ChangeActionName, ChangeAction> = {
  created: ChangeAction.CREATED,
  configured: ChangeAction.CONFIGURED,
  unchanged: ChangeAction.UNCHANGED,
  deleted: ChangeAction.DELETED,
  skipped: ChangeAction.SKIPPED,
  failed: ChangeAction.FAILED,
};

const healPolicyNames: Record<HealPolicyName, HealPolicy> = {
  auto: HealPolicy.AUTO,
  approve: HealPolicy.APPROVE,
  alert: HealPolicy.ALERT,
};

const healthStatusNames = {
  Healthy: HealthStatus.HEALTHY,
  Suspended: HealthStatus.SUSPENDED,
  Progressing: HealthStatus.PROGRESSING,
  Missing: HealthStatus.MISSING,
  Degraded: HealthStatus.DEGRADED,
  Unknown: HealthStatus.UNKNOWN,
} as const;

export type HealthStatusName = keyof typeof healthStatusNames;

function nameOf<N extends string>(table: Record<N, number>, value: number): N | undefined {
  return (Object.keys(table) as N[]).find((name) => table[name] === value);
}

export const changeActionFromName = (name: ChangeActionName): ChangeAction => changeActionNames[name];
/** The name of a ChangeSet action; 'unknown' for a value this version does not know. */
export const changeActionName = (action: ChangeAction): ChangeActionName | 'unknown' => nameOf(changeActionNames, action) ?? 'unknown';

export const healPolicyFromName = (name: HealPolicyName): HealPolicy => healPolicyNames[name];
/** The name of a heal policy; `alert` (report only) for one not set or not known, so an unknown policy never heals. */
export const healPolicyName = (policy: HealPolicy): HealPolicyName => nameOf(healPolicyNames, policy) ?? 'alert';

export const healthStatusFromName = (name: HealthStatusName): HealthStatus => healthStatusNames[name];
/** The name of a health status; 'Unknown' for one not set or not known. */
export const healthStatusName = (status: HealthStatus): HealthStatusName => nameOf(healthStatusNames, status) ?? 'Unknown';
