import { Injectable } from '@nestjs/common';
import { FleetEventEntity, type FleetEventType } from '@capstan/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { AccessScope } from '../auth/access-policy';
import { type PageArgs, paginate } from '../common/pagination';
import type { FleetEventDto } from './fleet-event.dto';

export interface FleetEventRecord {
  type: FleetEventType;
  /** Null for what concerns a whole rollout. */
  clusterId: string | null;
  rolloutId?: string | null;
  policyRolloutId?: string | null;
  applicationId?: string | null;
  driftId?: string | null;
  subject?: string;
  /** When it happened, if not now (e.g. as the agent observed it). */
  occurredAt?: Date;
  details?: Record<string, unknown>;
}

export interface FleetEventFilter {
  cluster?: string;
  application?: string;
  type?: string;
  drift?: string;
  rollout?: string;
}

/** The fleet's event stream: written alongside what it records, read newest first. */
@Injectable()
export class FleetEventsService {
  constructor(private readonly dataSource: DataSource) {}

  /** Writes events with `manager`, i.e. inside the caller's transaction. */
  async record(manager: EntityManager, ...events: FleetEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    const repository = manager.getRepository(FleetEventEntity);
    await repository.save(
      events.map((event) =>
        repository.create({
        type: event.type,
        clusterId: event.clusterId,
        applicationId: event.applicationId ?? null,
        rolloutId: event.rolloutId ?? null,
        policyRolloutId: event.policyRolloutId ?? null,
        driftId: event.driftId ?? null,
        subject: event.subject ?? '',
        occurredAt: event.occurredAt ?? new Date(),
          details: event.details ?? {},
        }),
      ),
    );
  }

  /** Events on the clusters in `scope` and of whole rollouts, newest first. */
  list(filter: FleetEventFilter, page: PageArgs, scope: AccessScope) {
    const inScope = scope.clusterCondition('cluster');
    const query = this.dataSource
      .getRepository(FleetEventEntity)
      .createQueryBuilder('event')
      .leftJoinAndSelect('event.cluster', 'cluster')
      .leftJoinAndSelect('event.application', 'application')
      .where(`(event.cluster_id IS NULL OR ${inScope.sql})`, inScope.parameters);
    if (filter.cluster) query.andWhere('cluster.name = :cluster', { cluster: filter.cluster });
    if (filter.application) query.andWhere('application.name = :application', { application: filter.application });
    if (filter.type) query.andWhere('event.type = :type', { type: filter.type });
    if (filter.drift) query.andWhere('event.drift_id = :drift', { drift: filter.drift });
    if (filter.rollout) query.andWhere('(event.rollout_id = :rollout OR event.policy_rollout_id = :rollout)', { rollout: filter.rollout });
    return paginate(query, page, { column: 'event.id', direction: 'DESC', key: (event) => event.id, integer: true }, toFleetEventDto);
  }
}

function toFleetEventDto(event: FleetEventEntity): FleetEventDto {
  return {
    id: event.id,
    occurredAt: event.occurredAt,
    type: event.type,
    cluster: event.cluster?.name ?? null,
    rollout: event.rolloutId ?? event.policyRolloutId,
    application: event.application?.name ?? null,
    drift: event.driftId,
    subject: event.subject,
    details: event.details,
  };
}
