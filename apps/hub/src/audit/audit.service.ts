import { Injectable } from '@nestjs/common';
import { AuditEntryEntity, violatedForeignKey, violatedUniqueConstraint } from '@capstan/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { AccessScope } from '../auth/access-policy';
import type { Principal } from '../auth/principal';
import { CapstanException } from '../common/capstan.exception';
import { type PageArgs, paginate } from '../common/pagination';

export interface AuditRecord {
  actor: string;
  action: string;
  targetType: string;
  targetName: string;
  summary: Record<string, unknown>;
  reason?: string | null;
}

export interface AuditedChange {
  action: string;
  targetType: string;
  targetName: string;
  reason?: string | null;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetName?: string;
  since?: Date;
  until?: Date;
}

@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /** Writes an audit entry with `manager`, i.e. inside the caller's transaction. */
  async record(manager: EntityManager, entry: AuditRecord): Promise<void> {
    const repository = manager.getRepository(AuditEntryEntity);
    await repository.save(repository.create({ ...entry, reason: entry.reason ?? null }));
  }

  /**
   * Runs a change in one transaction together with its audit entry: both are kept or neither.
   * Constraint violations from races that the change's own checks could not see become CONFLICT.
   */
  async change<T>(principal: Principal, change: AuditedChange, work: (manager: EntityManager) => Promise<{ result: T; summary: Record<string, unknown> }>): Promise<T> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const { result, summary } = await work(manager);
        await this.record(manager, { actor: principal.actor, ...change, summary });
        return result;
      });
    } catch (error) {
      if (violatedUniqueConstraint(error)) throw CapstanException.conflict(`${change.targetType} "${change.targetName}" already exists`);
      if (violatedForeignKey(error)) throw CapstanException.conflict(`${change.targetType} "${change.targetName}" is still referenced by another object`);
      throw error;
    }
  }

  /** Entries newest first; for a caller limited to cluster groups, those about its clusters and groups, and its own. */
  list(filter: AuditFilter, page: PageArgs, scope: AccessScope) {
    const query = this.dataSource.getRepository(AuditEntryEntity).createQueryBuilder('entry').where('TRUE');
    if (scope.groupNames !== null) {
      const inScope = scope.clusterCondition('scoped');
      query.andWhere(
        `(entry.actor = :scopeActor
          OR (entry.target_type = 'ClusterGroup' AND entry.target_name = ANY(:scopeGroups))
          OR (entry.target_type = 'Cluster' AND entry.target_name IN (SELECT scoped.name FROM clusters scoped WHERE ${inScope.sql})))`,
        { ...inScope.parameters, scopeActor: scope.actor, scopeGroups: [...scope.groupNames] },
      );
    }
    if (filter.actor) query.andWhere('entry.actor = :actor', { actor: filter.actor });
    if (filter.action) query.andWhere('entry.action = :action', { action: filter.action });
    if (filter.targetType) query.andWhere('entry.target_type = :targetType', { targetType: filter.targetType });
    if (filter.targetName) query.andWhere('entry.target_name = :targetName', { targetName: filter.targetName });
    if (filter.since) query.andWhere('entry.at >= :since', { since: filter.since });
    if (filter.until) query.andWhere('entry.at < :until', { until: filter.until });
    return paginate(query, page, { column: 'entry.id', direction: 'DESC', key: (entry) => entry.id, integer: true }, (entry) => entry);
  }
}
