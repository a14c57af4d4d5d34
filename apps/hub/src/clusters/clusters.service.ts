import { Injectable } from '@nestjs/common';
import { parseLabelSelector } from '@capstan/manifest';
import { ClusterEntity, labelSelectorCondition } from '@capstan/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { CapstanException } from '../common/capstan.exception';
import { type PageArgs, paginate } from '../common/pagination';
import { groupContainsCluster } from '../groups/group-membership';
import { GroupsService } from '../groups/groups.service';

@Injectable()
export class ClustersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly groups: GroupsService,
  ) {}

  async get(name: string, manager: EntityManager = this.dataSource.manager): Promise<ClusterEntity> {
    const cluster = await manager.getRepository(ClusterEntity).findOneBy({ name });
    if (!cluster) throw CapstanException.notFound('cluster', name);
    return cluster;
  }

  list(selector: string | undefined, page: PageArgs) {
    const query = this.dataSource.getRepository(ClusterEntity).createQueryBuilder('cluster');
    if (selector) {
      const condition = labelSelectorCondition('cluster.labels', parseLabelSelector(selector));
      query.where(condition.sql, condition.parameters);
    }
    return paginate(query, page, { column: 'cluster.name', direction: 'ASC', key: (cluster) => cluster.name }, (cluster) => cluster);
  }

  async create(principal: Principal, input: { name: string; labels?: Record<string, string> }, reason?: string): Promise<ClusterEntity> {
    const labels = input.labels ?? {};
    return this.audit.change(principal, { action: 'cluster.create', targetType: 'Cluster', targetName: input.name, reason }, async (manager) => {
      principal.assertMayChangeGroups(await this.groups.groupNamesOf({ name: input.name, labels }, manager), `cluster "${input.name}"`);
      const repository = manager.getRepository(ClusterEntity);
      if (await repository.existsBy({ name: input.name })) throw CapstanException.conflict(`cluster "${input.name}" already exists`);
      const cluster = await repository.save(repository.create({ name: input.name, labels }));
      return { result: cluster, summary: { labels } };
    });
  }

  async updateLabels(principal: Principal, name: string, labels: Record<string, string>, reason?: string): Promise<ClusterEntity> {
    return this.audit.change(principal, { action: 'cluster.update', targetType: 'Cluster', targetName: name, reason }, async (manager) => {
      const cluster = await this.get(name, manager);
      // A scoped caller may neither take a cluster out of its groups nor move one in from elsewhere.
      const groups = await this.groups.all(manager);
      const namesOf = (member: { name: string; labels: Record<string, string> }) => groups.filter((group) => groupContainsCluster(group, member)).map((group) => group.name);
      principal.assertMayChangeGroups(namesOf(cluster), `cluster "${name}"`);
      principal.assertMayChangeGroups(namesOf({ name, labels }), `cluster "${name}" with labels ${JSON.stringify(labels)}`);
      const before = cluster.labels;
      cluster.labels = labels;
      await manager.getRepository(ClusterEntity).save(cluster);
      return { result: cluster, summary: { before: { labels: before }, after: { labels } } };
    });
  }

  async delete(principal: Principal, name: string, reason?: string): Promise<ClusterEntity> {
    return this.audit.change(principal, { action: 'cluster.delete', targetType: 'Cluster', targetName: name, reason }, async (manager) => {
      const cluster = await this.get(name, manager);
      principal.assertMayChangeGroups(await this.groups.groupNamesOf(cluster, manager), `cluster "${name}"`);
      await manager.getRepository(ClusterEntity).delete({ id: cluster.id });
      return { result: cluster, summary: { labels: cluster.labels } };
    });
  }
}
