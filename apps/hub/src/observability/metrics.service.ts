import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { GitMirror } from '../sources/git/git-mirror';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The hub's Prometheus metrics, in a registry of its own so several hubs can share a process in tests. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'capstan_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: 'capstan_graphql_operation_duration_seconds',
    help: 'GraphQL operation latency',
    labelNames: ['operation', 'type', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly sourceFetches = new Counter({
    name: 'capstan_source_fetches_total',
    help: 'Fetches from git sources (polls, syncs, and commits a checkout lacked), by outcome',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly sourceFetchDuration = new Histogram({
    name: 'capstan_source_fetch_duration_seconds',
    help: 'How long a fetch from a git source took',
    labelNames: ['source'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  constructor(dataSource: DataSource, mirror: GitMirror) {
    collectDefaultMetrics({ register: this.registry, prefix: 'capstan_' });
    mirror.onFetch(({ source, outcome, durationSeconds }) => {
      this.sourceFetches.inc({ source, outcome });
      this.sourceFetchDuration.observe({ source }, durationSeconds);
    });
    const pool = (): PgPool | undefined => (dataSource.driver as unknown as { master?: PgPool }).master;
    const poolGauge = (name: string, help: string, read: (pool: PgPool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const current = pool();
          if (current) this.set(read(current));
        },
      });
    poolGauge('capstan_db_pool_connections', 'Open database connections', (current) => current.totalCount);
    poolGauge('capstan_db_pool_idle_connections', 'Idle database connections', (current) => current.idleCount);
    poolGauge('capstan_db_pool_waiting_requests', 'Queries waiting for a database connection', (current) => current.waitingCount);
  }
}
