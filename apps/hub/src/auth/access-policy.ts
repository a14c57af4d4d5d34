import type { SqlCondition } from '@capstan/persistence';
import { CapstanErrorCode } from '../common/capstan.exception';
import { type GroupMembership, groupContainsCluster, membershipCondition } from '../groups/group-membership';

/** What decides whether a cluster is in a scope: its name and labels. */
export interface ClusterFacts {
  name: string;
  labels: Record<string, string>;
}

/** A cluster group as it stands: its name and what makes a cluster a member. */
export interface GroupFacts extends GroupMembership {
  name: string;
}

/**
 * What a caller may see and change. A caller scoped to cluster groups reaches exactly the
 * clusters that are members (by selector or by name) of one of those groups, as the groups stand
 * now; an unrestricted caller reaches the whole fleet.
 */
export class AccessScope {
  private constructor(
    /** How the caller appears in messages, e.g. token/eu-operator. */
    readonly actor: string,
    /** Names of the groups in scope; null for the whole fleet. */
    readonly groupNames: readonly string[] | null,
    /** The definitions of the groups in scope that exist. */
    readonly groups: readonly GroupFacts[],
  ) {}

  static unrestricted(actor: string): AccessScope {
    return new AccessScope(actor, null, []);
  }

  /** The scope of `groupNames`, given every group as it stands (names in scope that no group has yet reach nothing). */
  static ofGroups(actor: string, groupNames: readonly string[], allGroups: readonly GroupFacts[]): AccessScope {
    return new AccessScope(actor, [...groupNames], allGroups.filter((group) => groupNames.includes(group.name)));
  }

  get restricted(): boolean {
    return this.groupNames !== null;
  }

  includesGroup(name: string): boolean {
    return this.groupNames === null || this.groupNames.includes(name);
  }

  includesCluster(cluster: ClusterFacts): boolean {
    return this.groupNames === null || this.groups.some((group) => groupContainsCluster(group, cluster));
  }

  /** A SQL condition on a clusters query aliased `alias` that holds for the clusters in scope. */
  clusterCondition(alias: string): SqlCondition {
    return this.groupNames === null ? { sql: 'TRUE', parameters: {} } : membershipCondition(this.groups, alias, `scope_${alias}`);
  }

  /** e.g. `cluster groups [prod-eu, staging]`, for messages. */
  describe(): string {
    return this.groupNames === null ? 'the whole fleet' : `cluster groups [${this.groupNames.join(', ')}]`;
  }
}

/**
 * What an operation concerns, with the facts that decide it, as the access policy service reads
 * them from the database for the operation's arguments.
 */
export type AccessRequest =
  /** An existing cluster, read or changed; null when no cluster has that name. */
  | { kind: 'cluster'; name: string; cluster: ClusterFacts | null }
  /** A cluster to be created or registered with these labels; `existing` when the name is taken. */
  | { kind: 'new-cluster'; name: string; labels: Record<string, string>; existing: ClusterFacts | null }
  /** An existing cluster given new labels. */
  | { kind: 'relabelled-cluster'; name: string; cluster: ClusterFacts | null; labels: Record<string, string> }
  /** A cluster group read, created, changed or deleted; `membersAfter` are the clusters it would hold after a change of its selector or members. */
  | { kind: 'group'; name: string; creating: boolean; membersAfter: readonly ClusterFacts[] | null }
  /**
   * An application, by the groups it targets now (`current`, null when there is no such
   * application) and would target after the change (`targets`, undefined when they stay).
   */
  | { kind: 'application'; name: string; current: readonly string[] | null; targets: readonly string[] | undefined }
  /** Something that concerns every cluster, such as sources. */
  | { kind: 'fleet'; what: string }
  /** An API token limited to these groups (null: the whole fleet). */
  | { kind: 'token'; name: string; groupScope: readonly string[] | null }
  /** An operation that declared nothing it concerns: a mutation is refused to a scoped caller. */
  | { kind: 'undeclared'; operation: string; mutation: boolean };

export type AccessDecision = { allowed: true } | { allowed: false; code: CapstanErrorCode.NotFound | CapstanErrorCode.PermissionDenied; message: string };

const allowed: AccessDecision = { allowed: true };
const denied = (message: string): AccessDecision => ({ allowed: false, code: CapstanErrorCode.PermissionDenied, message });
/** Exactly what a missing object answers, so that names outside the scope cannot be probed. */
const notFound = (kind: string, name: string): AccessDecision => ({ allowed: false, code: CapstanErrorCode.NotFound, message: `${kind} "${name}" not found` });

/**
 * Whether a caller with `scope` may do what `request` describes. Objects outside the scope that
 * the caller cannot see answer NOT_FOUND, as if they did not exist; changes that would reach
 * outside it answer PERMISSION_DENIED. Roles are checked before, by the auth guard.
 */
export function decideAccess(scope: AccessScope, request: AccessRequest): AccessDecision {
  if (!scope.restricted) return allowed;
  const outside = `${scope.actor} may change only ${scope.describe()}`;
  switch (request.kind) {
    case 'cluster':
      return request.cluster && scope.includesCluster(request.cluster) ? allowed : notFound('cluster', request.name);
    case 'new-cluster':
      if (request.existing) return scope.includesCluster(request.existing) ? allowed : denied(`${outside}; cluster "${request.name}" is not in them`);
      return scope.includesCluster({ name: request.name, labels: request.labels })
        ? allowed
        : denied(`${outside}; cluster "${request.name}" with labels ${JSON.stringify(request.labels)} would be in none of them`);
    case 'relabelled-cluster':
      if (!request.cluster || !scope.includesCluster(request.cluster)) return notFound('cluster', request.name);
      return scope.includesCluster({ name: request.name, labels: request.labels })
        ? allowed
        : denied(`${outside}; cluster "${request.name}" with labels ${JSON.stringify(request.labels)} would leave them`);
    case 'group': {
      // Outside the scope a group is not found, whether it exists or not; only creating one is refused as such.
      if (!scope.includesGroup(request.name)) return request.creating ? denied(`${outside}; cluster group "${request.name}" is not one of them`) : notFound('cluster group', request.name);
      // Clusters outside the scope are not named: the caller may not know they exist.
      const escaping = (request.membersAfter ?? []).filter((cluster) => !scope.includesCluster(cluster)).length;
      return escaping === 0 ? allowed : denied(`${outside}; cluster group "${request.name}" would then hold ${escaping} cluster(s) outside them`);
    }
    case 'application': {
      // Nothing to protect: the operation itself answers that the application does not exist.
      if (request.current === null && request.targets === undefined) return allowed;
      const groups = [...(request.current ?? []), ...(request.targets ?? [])];
      if (groups.length === 0) return denied(`${outside}; application "${request.name}" targets none of them`);
      const beyond = [...new Set(groups.filter((group) => !scope.includesGroup(group)))];
      return beyond.length === 0 ? allowed : denied(`${outside}; application "${request.name}" targets ${beyond.map((group) => `"${group}"`).join(', ')}`);
    }
    case 'fleet':
      return denied(`${scope.actor} is limited to ${scope.describe()} and may not change ${request.what}, which concern the whole fleet`);
    case 'token': {
      if (request.groupScope === null) return denied(`${outside}; token "${request.name}" would reach the whole fleet`);
      const beyond = request.groupScope.filter((group) => !scope.includesGroup(group));
      return beyond.length === 0 ? allowed : denied(`${outside}; token "${request.name}" would reach ${beyond.map((group) => `"${group}"`).join(', ')}`);
    }
    case 'undeclared':
      return request.mutation ? denied(`${scope.actor} is limited to ${scope.describe()} and ${request.operation} declares no scope`) : allowed;
  }
}
