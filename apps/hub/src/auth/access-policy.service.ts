import { Injectable } from '@nestjs/common';
import { LabelSelectorError, parseLabelSelector } from '@capstan/manifest';
import { ApiTokenEntity, ApplicationEntity, ClusterEntity, ClusterGroupEntity, RolloutEntity } from '@capstan/persistence';
import { DataSource } from 'typeorm';
import { CapstanException } from '../common/capstan.exception';
import { membershipCondition } from '../groups/group-membership';
import { type AccessRequest, AccessScope, type ClusterFacts, decideAccess } from './access-policy';
import type { AccessRule } from './access.decorator';
import type { Principal } from './principal';

/** The value at a dotted path (`input.name`) of GraphQL arguments. */
function valueAt(args: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), args);
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const labelsOf = (value: unknown): Record<string, string> => (value !== null && typeof value === 'object' ? (value as Record<string, string>) : {});
const namesOf = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined);

/**
 * The one place that decides what API callers may see and change beyond their role: the auth
 * guard asks it for every GraphQL operation with the operation's declared rule (@Access), and
 * lists and field resolvers filter by the scope it works out. The decision itself is
 * `decideAccess`, a pure function; this service reads the facts it needs.
 */
@Injectable()
export class AccessPolicyService {
  private readonly visibleNames = new WeakMap<AccessScope, Promise<Set<string>>>();

  constructor(private readonly dataSource: DataSource) {}

  /** What `principal` may reach, with the groups as they stand now. */
  async scopeOf(principal: Principal): Promise<AccessScope> {
    if (principal.groupScope === null) return AccessScope.unrestricted(principal.actor);
    const groups = await this.dataSource.getRepository(ClusterGroupEntity).find({ select: { name: true, selector: true, members: true } });
    return AccessScope.ofGroups(principal.actor, principal.groupScope, groups);
  }

  /** Refuses the operation when its rule, applied to `args`, reaches outside `scope`: NOT_FOUND or PERMISSION_DENIED. */
  async enforce(scope: AccessScope, rule: AccessRule | undefined, args: Record<string, unknown>, operation: { name: string; mutation: boolean }): Promise<void> {
    if (!scope.restricted) return;
    const request = rule ? await this.requestFor(rule, args) : { kind: 'undeclared' as const, operation: operation.name, mutation: operation.mutation };
    if (!request) return;
    const decision = decideAccess(scope, request);
    if (!decision.allowed) throw new CapstanException(decision.code, decision.message);
  }

  /** Names of the clusters in `scope`, read once per scope (i.e. per request). */
  visibleClusterNames(scope: AccessScope): Promise<Set<string>> {
    let names = this.visibleNames.get(scope);
    if (!names) {
      const condition = scope.clusterCondition('cluster');
      names = this.dataSource
        .getRepository(ClusterEntity)
        .createQueryBuilder('cluster')
        .select('cluster.name', 'name')
        .where(condition.sql, condition.parameters)
        .getRawMany<{ name: string }>()
        .then((rows) => new Set(rows.map((row) => row.name)));
      this.visibleNames.set(scope, names);
    }
    return names;
  }

  /** The facts `rule` needs, read for these arguments; null when there is nothing to decide. */
  private async requestFor(rule: AccessRule, args: Record<string, unknown>): Promise<AccessRequest | null> {
    switch (rule.concerns) {
      case 'cluster': {
        const name = text(valueAt(args, rule.name));
        return { kind: 'cluster', name, cluster: await this.cluster(name) };
      }
      case 'new-cluster': {
        const name = text(valueAt(args, `${rule.input}.name`));
        return { kind: 'new-cluster', name, labels: labelsOf(valueAt(args, `${rule.input}.labels`)), existing: await this.cluster(name) };
      }
      case 'relabelled-cluster': {
        const name = text(valueAt(args, `${rule.input}.name`));
        return { kind: 'relabelled-cluster', name, labels: labelsOf(valueAt(args, `${rule.input}.labels`)), cluster: await this.cluster(name) };
      }
      case 'group':
        return this.groupRequest(rule, args);
      case 'application': {
        const name = text(valueAt(args, rule.name));
        const targets = valueAt(args, rule.targets ?? '');
        const targetGroups = Array.isArray(targets) ? targets.map((target) => text((target as { group?: unknown } | null)?.group)) : rule.creating ? [] : undefined;
        return { kind: 'application', name, current: rule.creating ? null : await this.targetedGroups(name), targets: targetGroups };
      }
      case 'rollout': {
        // A rollout concerns its application's clusters: decided as the application is. A malformed id is refused by validation.
        const id = text(valueAt(args, rule.id));
        const rollout = /^[0-9a-f-]{36}$/i.test(id) ? await this.dataSource.getRepository(RolloutEntity).findOne({ where: { id }, relations: { application: true } }) : null;
        const name = rollout?.application?.name ?? '';
        return { kind: 'application', name, current: rollout ? await this.targetedGroups(name) : null, targets: undefined };
      }
      case 'fleet':
        return { kind: 'fleet', what: rule.what };
      case 'token': {
        const name = text(valueAt(args, rule.name));
        if (rule.creating) return { kind: 'token', name, groupScope: namesOf(valueAt(args, rule.groupScope ?? '')) ?? null };
        const token = await this.dataSource.getRepository(ApiTokenEntity).findOne({ select: { name: true, groupScope: true }, where: { name } });
        return token ? { kind: 'token', name, groupScope: token.groupScope } : null;
      }
    }
  }

  private async groupRequest(rule: Extract<AccessRule, { concerns: 'group' }>, args: Record<string, unknown>): Promise<AccessRequest> {
    const name = text(valueAt(args, rule.name));
    const group = await this.dataSource.getRepository(ClusterGroupEntity).findOne({ select: { name: true, selector: true, members: true }, where: { name } });
    const changes = rule.changes ? (valueAt(args, rule.changes) as { selector?: unknown; members?: unknown } | undefined) : undefined;
    if (!changes || (changes.selector === undefined && changes.members === undefined)) return { kind: 'group', name, creating: rule.creating ?? false, membersAfter: null };
    const selector = changes.selector === undefined ? (group?.selector ?? null) : typeof changes.selector === 'string' ? changes.selector : null;
    if (selector !== null) {
      // The guard runs before input validation: a selector that does not parse is the caller's error, not ours.
      try {
        parseLabelSelector(selector);
      } catch (error) {
        if (error instanceof LabelSelectorError) throw CapstanException.invalid(`${rule.changes}.selector`, error.message);
        throw error;
      }
    }
    const members = namesOf(changes.members) ?? group?.members ?? [];
    const condition = membershipCondition([{ selector, members }], 'cluster', 'after');
    const membersAfter: ClusterFacts[] = await this.dataSource
      .getRepository(ClusterEntity)
      .createQueryBuilder('cluster')
      .select(['cluster.name', 'cluster.labels'])
      .where(condition.sql, condition.parameters)
      .getMany();
    return { kind: 'group', name, creating: rule.creating ?? false, membersAfter };
  }

  private cluster(name: string): Promise<ClusterFacts | null> {
    return this.dataSource.getRepository(ClusterEntity).findOne({ select: { name: true, labels: true }, where: { name } });
  }

  /** The groups an application targets now; null when there is no such application. */
  private async targetedGroups(name: string): Promise<string[] | null> {
    const application = await this.dataSource.getRepository(ApplicationEntity).findOne({ where: { name }, relations: { targets: { group: true } } });
    return application ? (application.targets ?? []).map((target) => target.group?.name ?? '') : null;
  }
}
