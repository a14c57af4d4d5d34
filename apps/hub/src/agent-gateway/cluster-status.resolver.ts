import { Context, Field, GraphQLISODateTime, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { ClusterApplicationStatusEntity, ClusterEntity, ResourceStatusEntity } from '@capstan/persistence';
import { ClusterDto } from '../clusters/cluster.dto';
import { ClusterStatusService } from './cluster-status.service';

@ObjectType('ChangeSetEntry', { description: 'What an apply did to one object' })
export class ChangeSetEntryDto {
  @Field({ description: 'Kind/namespace/name' })
  subject: string;

  @Field({ description: 'created, configured, unchanged, deleted, skipped or failed' })
  action: string;

  @Field({ description: "Why it was skipped or failed, in the API server's words" })
  message: string;
}

@ObjectType('ResourceStatus', { description: 'What the agent last reported for one object of an application' })
export class ResourceStatusDto {
  @Field({ description: 'API group; empty for the core group' })
  group: string;

  @Field()
  kind: string;

  @Field({ description: 'Empty for cluster-scoped objects' })
  namespace: string;

  @Field()
  name: string;

  @Field({ description: 'Synced, OutOfSync or Failed' })
  syncState: string;

  @Field({ description: 'Healthy, Progressing, Degraded, Suspended, Missing or Unknown' })
  health: string;

  @Field()
  healthMessage: string;
}

@ObjectType('ClusterApplicationStatus', { description: 'What the agent last reported for one application on its cluster' })
export class ClusterApplicationStatusDto {
  /** Where its objects' statuses are found; not part of the API. */
  clusterId: string;
  applicationId: string;

  @Field()
  application: string;

  @Field({ description: 'Synced, OutOfSync or Failed' })
  syncState: string;

  @Field()
  bundleDigest: string;

  @Field(() => String, { nullable: true })
  error: string | null;

  @Field({ description: 'Healthy, Progressing, Degraded, Suspended, Missing or Unknown: its least healthy object' })
  health: string;

  @Field()
  healthMessage: string;

  @Field(() => [ChangeSetEntryDto], { description: 'The ChangeSet of the last apply' })
  changeSet: ChangeSetEntryDto[];

  @Field(() => GraphQLISODateTime)
  reportedAt: Date;
}

/** An agent that has not been heard from for this long (three heartbeats) counts as disconnected. */
export const connectionDeadlineMs = 30_000;

/**
 * Gathers the keys that one GraphQL request asks for while it resolves a list, and loads them all
 * with one query: a page of a hundred clusters costs one query per field, not one per cluster.
 */
class BatchLoader<Value> {
  private pending: Array<{ key: string; resolve: (value: Value[]) => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly loadAll: (keys: string[]) => Promise<Map<string, Value[]>>) {}

  load(key: string): Promise<Value[]> {
    return new Promise((resolve, reject) => {
      // graphql-js calls the resolvers of a list's items one after another in the same tick; load once they all have asked.
      if (this.pending.push({ key, resolve, reject }) === 1) void Promise.resolve().then(() => process.nextTick(() => this.dispatch()));
    });
  }

  private dispatch(): void {
    const batch = this.pending;
    this.pending = [];
    this.loadAll([...new Set(batch.map((entry) => entry.key))]).then(
      (values) => {
        for (const entry of batch) entry.resolve(values.get(entry.key) ?? []);
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error);
      },
    );
  }
}

function groupBy<Value>(values: readonly Value[], keyOf: (value: Value) => string): Map<string, Value[]> {
  const groups = new Map<string, Value[]>();
  for (const value of values) {
    const key = keyOf(value);
    const group = groups.get(key);
    if (group) group.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}

const pairKey = (clusterId: string, applicationId: string) => `${clusterId}|${applicationId}`;

/** The status loaders of one GraphQL request (its context object), made on first use. */
const requestLoaders = new WeakMap<object, { applications: BatchLoader<ClusterApplicationStatusEntity>; resources: BatchLoader<ResourceStatusEntity> }>();

function loadersOf(context: object, statuses: ClusterStatusService) {
  let loaders = requestLoaders.get(context);
  if (!loaders) {
    loaders = {
      applications: new BatchLoader(async (clusterIds) => groupBy(await statuses.forClusters(clusterIds), (status) => status.clusterId)),
      resources: new BatchLoader(async (keys) => {
        const pairs = keys.map((key) => {
          const [clusterId, applicationId] = key.split('|');
          return { clusterId, applicationId };
        });
        return groupBy(await statuses.resourcesOf(pairs), (resource) => pairKey(resource.clusterId, resource.applicationId));
      }),
    };
    requestLoaders.set(context, loaders);
  }
  return loaders;
}

@Resolver(() => ClusterDto)
export class ClusterStatusResolver {
  constructor(private readonly statuses: ClusterStatusService) {}

  @ResolveField(() => Boolean, { description: `Whether its agent was heard from in the last ${connectionDeadlineMs / 1000} seconds` })
  connected(@Parent() cluster: ClusterEntity): boolean {
    return cluster.lastSeenAt !== null && Date.now() - cluster.lastSeenAt.getTime() < connectionDeadlineMs;
  }

  @ResolveField(() => [ClusterApplicationStatusDto], { description: 'Per application: the last status its agent reported', complexity: 5 })
  async applications(@Parent() cluster: ClusterEntity, @Context() context: object): Promise<ClusterApplicationStatusDto[]> {
    return (await loadersOf(context, this.statuses).applications.load(cluster.id)).map((status) => ({
      clusterId: status.clusterId,
      applicationId: status.applicationId,
      application: status.application?.name ?? '',
      syncState: status.syncState,
      bundleDigest: status.bundleDigest,
      error: status.error,
      health: status.healthStatus,
      healthMessage: status.healthMessage,
      changeSet: status.changeSet,
      reportedAt: status.reportedAt,
    }));
  }
}

@Resolver(() => ClusterApplicationStatusDto)
export class ClusterApplicationStatusResolver {
  constructor(private readonly statuses: ClusterStatusService) {}

  @ResolveField(() => [ResourceStatusDto], { description: 'Per object of the application: its sync state and health as last reported', complexity: 5 })
  async resources(@Parent() status: ClusterApplicationStatusDto, @Context() context: object): Promise<ResourceStatusDto[]> {
    return (await loadersOf(context, this.statuses).resources.load(pairKey(status.clusterId, status.applicationId))).map((resource) => ({
      group: resource.group,
      kind: resource.kind,
      namespace: resource.namespace,
      name: resource.name,
      syncState: resource.syncState,
      health: resource.healthStatus,
      healthMessage: resource.healthMessage,
    }));
  }
}
