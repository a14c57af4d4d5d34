import { Injectable } from '@nestjs/common';
import { parseLabelSelector } from '@capstan/manifest';
import { ClusterEntity, labelSelectorCondition } from '@capstan/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AccessScope } from '../auth/access-policy';
import type { Principal } from '../auth/principal';
import { CapstanException } from '../common/capstan.exception';
import { type PageArgs, paginate } from '../common/pagination';

@Injectable()
export class ClustersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(name: string, manager: EntityManager = this.dataSource.manager): Promise<ClusterEntity> {
    const cluster = await manager.getRepository(ClusterEntity).findOneBy({ name });
    if (!cluster) throw CapstanException.notFound('cluster', name);
    return cluster;
  }

  /** Clusters in `scope`, optionally only those matching a label selector. */
  list(selector: string | undefined, page: PageArgs, scope: AccessScope) {
    const inScope = scope.clusterCondition('cluster');
    const query = this.dataSource.getRepository(ClusterEntity).createQueryBuilder('cluster').where(inScope.sql, inScope.parameters);
    if (selector) {
      const condition = labelSelectorCondition('cluster.labels', parseLabelSelector(selector));
      query.andWhere(condition.sql, condition.parameters);
    }
    return paginate(query, page, { column: 'cluster.name', direction: 'ASC', key: (cluster) => cluster.name }, (cluster) => cluster);
  }

  async create(principal: Principal, input: { name: string; labels?: Record<string, string> }, reason?: string): Promise<ClusterEntity> {
    const labels = input.labels ?? {};
    return this.audit.change(principal, { action: 'cluster.create', targetType: 'Cluster', targetName: input.name, reason }, async (manager) => {
      const repository = manager.getRepository(ClusterEntity);
      if (await repository.existsBy({ name: input.name })) throw CapstanException.conflict(`cluster "${input.name}" already exists`);
      const cluster = await repository.save(repository.create({ name: input.name, labels }));
      return { result: cluster, summary: { labels } };
    });
  }

  async updateLabels(principal: Principal, name: string, labels: Record<string, string>, reason?: string): Promise<ClusterEntity> {
    return this.audit.change(principal, { action: 'cluster.update', targetType: 'Cluster', targetName: name, reason }, async (manager) => {
      const cluster = await this.get(name, manager);
      const before = cluster.labels;
      cluster.labels = labels;
      await manager.getRepository(ClusterEntity).save(cluster);
      return { result: cluster, summary: { before: { labels: before }, after: { labels } } };
    });
  }

  async delete(principal: Principal, name: string, reason?: string): Promise<ClusterEntity> {
    return this.audit.change(principal, { action: 'cluster.delete', targetType: 'Cluster', targetName: name, reason }, async (manager) => {
      const cluster = await this.get(name, manager);
      await manager.getRepository(ClusterEntity).delete({ id: cluster.id });
      return { result: cluster, summary: { labels: cluster.labels } };
    });
  }
}
