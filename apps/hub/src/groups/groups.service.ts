import { Injectable } from '@nestjs/common';
import { ApplicationTargetEntity, ClusterEntity, ClusterGroupEntity } from '@capstan/persistence';
import { type HealPolicy, type IgnoreRule } from '@capstan/vocabulary';
import { DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AccessScope } from '../auth/access-policy';
import type { Principal } from '../auth/principal';
import { applyChanges } from '../common/apply-changes';
import { CapstanException } from '../common/capstan.exception';
import { definedIgnoreRule } from '../common/ignore-rule.dto';
import { type PageArgs, paginate } from '../common/pagination';
import { type GroupMembership, membershipCondition } from './group-membership';

export interface GroupFields {
  description?: string;
  selector?: string | null;
  members?: string[];
  variables?: Record<string, string>;
  healPolicy?: HealPolicy | null;
  ignoreRules?: IgnoreRule[];
}

@Injectable()
export class GroupsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(name: string, manager: EntityManager = this.dataSource.manager): Promise<ClusterGroupEntity> {
    const group = await manager.getRepository(ClusterGroupEntity).findOneBy({ name });
    if (!group) throw CapstanException.notFound('cluster group', name);
    return group;
  }

  /** The groups in `scope`. */
  list(page: PageArgs, scope: AccessScope) {
    const query = this.dataSource.getRepository(ClusterGroupEntity).createQueryBuilder('grp');
    if (scope.groupNames !== null) query.where('grp.name = ANY(:scopeGroups)', { scopeGroups: [...scope.groupNames] });
    return paginate(query, page, { column: 'grp.name', direction: 'ASC', key: (group) => group.name }, (group) => group);
  }

  /** Clusters a group with this selector and these members would hold, evaluated in the database. */
  matchingClustersQuery(membership: GroupMembership, manager: EntityManager = this.dataSource.manager): SelectQueryBuilder<ClusterEntity> {
    const condition = membershipCondition([membership], 'cluster', 'membership');
    return manager.getRepository(ClusterEntity).createQueryBuilder('cluster').where(condition.sql, condition.parameters);
  }

  /** The clusters a group with this membership holds, of those in `scope`. */
  matchingClusters(membership: GroupMembership, page: PageArgs, scope: AccessScope) {
    const inScope = scope.clusterCondition('cluster');
    return paginate(this.matchingClustersQuery(membership).andWhere(inScope.sql, inScope.parameters), page, { column: 'cluster.name', direction: 'ASC', key: (cluster) => cluster.name }, (cluster) => cluster);
  }

  /** Every group, by name. */
  all(manager: EntityManager = this.dataSource.manager): Promise<ClusterGroupEntity[]> {
    return manager.getRepository(ClusterGroupEntity).find({ order: { name: 'ASC' } });
  }

  async create(principal: Principal, input: GroupFields & { name: string }, reason?: string): Promise<ClusterGroupEntity> {
    return this.audit.change(principal, { action: 'group.create', targetType: 'ClusterGroup', targetName: input.name, reason }, async (manager) => {
      const repository = manager.getRepository(ClusterGroupEntity);
      if (await repository.existsBy({ name: input.name })) throw CapstanException.conflict(`cluster group "${input.name}" already exists`);
      const group = await repository.save(
        repository.create({
          name: input.name,
          description: input.description ?? '',
          selector: input.selector ?? null,
          members: input.members ?? [],
          variables: input.variables ?? {},
          healPolicy: input.healPolicy ?? null,
          ignoreRules: (input.ignoreRules ?? []).map(definedIgnoreRule),
        }),
      );
      return { result: group, summary: { selector: group.selector, members: group.members, variables: group.variables, healPolicy: group.healPolicy } };
    });
  }

  async update(principal: Principal, name: string, changes: GroupFields, reason?: string): Promise<ClusterGroupEntity> {
    return this.audit.change(principal, { action: 'group.update', targetType: 'ClusterGroup', targetName: name, reason }, async (manager) => {
      const group = await this.get(name, manager);
      const { before, after } = applyChanges(group, { ...changes, ignoreRules: changes.ignoreRules?.map(definedIgnoreRule) });
      await manager.getRepository(ClusterGroupEntity).save(group);
      return { result: group, summary: { before, after } };
    });
  }

  async delete(principal: Principal, name: string, reason?: string): Promise<ClusterGroupEntity> {
    return this.audit.change(principal, { action: 'group.delete', targetType: 'ClusterGroup', targetName: name, reason }, async (manager) => {
      const group = await this.get(name, manager);
      const targets = await manager.getRepository(ApplicationTargetEntity).find({ where: { groupId: group.id }, relations: { application: true } });
      if (targets.length > 0) {
        throw CapstanException.conflict(`cluster group "${name}" is targeted by application(s) ${targets.map((target) => target.application?.name).join(', ')}; remove those targets first`);
      }
      await manager.getRepository(ClusterGroupEntity).delete({ id: group.id });
      return { result: group, summary: { selector: group.selector, members: group.members } };
    });
  }
}
