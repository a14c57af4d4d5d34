import { Args, Context, Field, GraphQLISODateTime, ObjectType, Parent, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import type { ClusterApplicationStatusEntity, ClusterEntity, ResourceStatusEntity } from '@capstan/persistence';
import { DataSource } from 'typeorm';
import DataLoader from 'dataloader';
import { ApplicationDto } from '../applications/application.dto';
import type { AccessScope } from '../auth/access-policy';
import { CurrentScope } from '../auth/access.decorator';
import type { AuthenticatedRequest } from '../auth/current-principal.decorator';
import { SubscriberAccess } from '../auth/subscriber-access';
import { ClusterDto, ClusterState } from '../clusters/cluster.dto';
import { connectionDeadlineMs, heardFromLately } from './agent-instructions';
import { LiveChanges } from '../live/live-changes';
import { mappedLive } from '../live/live-iterator';
import { checkLiveSubjects, matchesLiveSubjects } from '../live/live-subjects';
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
  cluster: string;

  @Field()
  application: string;

  @Field(() => String, { nullable: true, description: 'Commit of the revision the agent applied last' })
  revision: string | null;

  @Field({ description: 'Synced, OutOfSync or Failed' })
  syncState: string;

  @Field()
  bundleDigest: string;

  @Field(() => String, { nullable: true })
  error: string | null;

  @Field(() => String, { nullable: true, description: 'Why the agent cannot watch some of its objects now, per kind (it retries, and sees them only by reading them back meanwhile); null while every watch runs' })
  watchError: string | null;

  @Field({ description: 'Healthy, Progressing, Degraded, Suspended, Missing or Unknown: its least healthy object' })
  health: string;

  @Field()
  healthMessage: string;

  @Field(() => [ChangeSetEntryDto], { description: 'The ChangeSet of the last apply' })
  changeSet: ChangeSetEntryDto[];

  @Field(() => GraphQLISODateTime)
  reportedAt: Date;
}


/** Values grouped under the keys asked for, in their order: what a DataLoader batch returns. */
function groupedBy<Value>(keys: readonly string[], values: readonly Value[], keyOf: (value: Value) => string): Value[][] {
  const groups = new Map<string, Value[]>(keys.map((key) => [key, []]));
  for (const value of values) groups.get(keyOf(value))?.push(value);
  return keys.map((key) => groups.get(key) ?? []);
}

interface StatusPair {
  clusterId: string;
  applicationId: string;
}
const pairKey = (pair: StatusPair) => `${pair.clusterId}|${pair.applicationId}`;

/**
 * Loaders of one GraphQL request (its context object): a page of a hundred clusters costs one
 * query per field, not one per cluster. They batch and do not cache: a subscription's context
 * lives for all its events, each of which must read what is stored now.
 */
const requestLoaders = new WeakMap<object, ReturnType<typeof makeLoaders>>();

function makeLoaders(statuses: ClusterStatusService) {
  return {
    byCluster: new DataLoader<string, ClusterApplicationStatusEntity[]>(async (ids) => groupedBy(ids, await statuses.statusesOf('clusterId', ids), (status) => status.clusterId), { cache: false }),
    byApplication: new DataLoader<string, ClusterApplicationStatusEntity[]>(async (ids) => groupedBy(ids, await statuses.statusesOf('applicationId', ids), (status) => status.applicationId), { cache: false }),
    resources: new DataLoader<StatusPair, ResourceStatusEntity[], string>(async (pairs) => groupedBy(pairs.map(pairKey), await statuses.resourcesOf(pairs), pairKey), { cacheKeyFn: pairKey, cache: false }),
  };
}

function loadersOf(context: object, statuses: ClusterStatusService) {
  let loaders = requestLoaders.get(context);
  if (!loaders) {
    loaders = makeLoaders(statuses);
    requestLoaders.set(context, loaders);
  }
  return loaders;
}

function toStatusDto(status: ClusterApplicationStatusEntity): ClusterApplicationStatusDto {
  return {
    clusterId: status.clusterId,
    applicationId: status.applicationId,
    cluster: status.cluster?.name ?? '',
    application: status.application?.name ?? '',
    revision: status.revision?.commitSha ?? null,
    syncState: status.syncState,
    bundleDigest: status.bundleDigest,
    error: status.error,
    watchError: status.watchError,
    health: status.healthStatus,
    healthMessage: status.healthMessage,
    changeSet: status.changeSet,
    reportedAt: status.reportedAt,
  };
}

@Resolver(() => ClusterDto)
export class ClusterStatusResolver {
  constructor(private readonly statuses: ClusterStatusService) {}

  @ResolveField(() => Boolean, { description: `Whether its agent was heard from in the last ${connectionDeadlineMs / 1000} seconds` })
  connected(@Parent() cluster: ClusterEntity): boolean {
    return heardFromLately(cluster.lastSeenAt);
  }

  @ResolveField(() => ClusterState, { description: 'Pending until its agent first registers; then Connected or Disconnected' })
  state(@Parent() cluster: ClusterEntity): ClusterState {
    if (cluster.lastSeenAt === null) return ClusterState.Pending;
    return this.connected(cluster) ? ClusterState.Connected : ClusterState.Disconnected;
  }

  @ResolveField(() => [ClusterApplicationStatusDto], { description: 'Per application: the last status its agent reported', complexity: 5 })
  async applications(@Parent() cluster: ClusterEntity, @Context() context: object): Promise<ClusterApplicationStatusDto[]> {
    return (await loadersOf(context, this.statuses).byCluster.load(cluster.id)).map(toStatusDto);
  }
}

@Resolver(() => ApplicationDto)
export class ApplicationStatusResolver {
  constructor(private readonly statuses: ClusterStatusService) {}

  @ResolveField(() => [ClusterApplicationStatusDto], { description: 'Per cluster running it (of those the caller may see): the last status its agent reported', complexity: 5 })
  async clusters(@Parent() application: ApplicationDto, @CurrentScope() scope: AccessScope, @Context() context: object): Promise<ClusterApplicationStatusDto[]> {
    const statuses = await loadersOf(context, this.statuses).byApplication.load(application.id);
    return statuses.filter((status) => status.cluster !== undefined && scope.includesCluster(status.cluster)).map(toStatusDto);
  }
}

@Resolver(() => ClusterApplicationStatusDto)
export class ClusterApplicationStatusResolver {
  constructor(
    private readonly statuses: ClusterStatusService,
    private readonly dataSource: DataSource,
    private readonly live: LiveChanges,
    private readonly access: SubscriberAccess,
  ) {}

  @Subscription(() => ClusterApplicationStatusDto, { description: "Each status an agent reports as it is written (sync, health, objects): of one cluster and/or application, or of every cluster the caller may see" })
  async clusterStatusChanged(
    @Args('cluster', { type: () => String, nullable: true }) cluster: string | null,
    @Args('application', { type: () => String, nullable: true }) application: string | null,
    @CurrentScope() scope: AccessScope,
    @Context('req') request: AuthenticatedRequest,
  ) {
    await checkLiveSubjects(this.dataSource, scope, { cluster, application });
    return mappedLive(this.live.follow<ClusterApplicationStatusEntity>('status'), 'clusterStatusChanged', async (status) =>
      matchesLiveSubjects(await this.access.scopeOf(request), { cluster, application }, status.cluster, status.application?.name) ? toStatusDto(status) : undefined,
    );
  }

  @ResolveField(() => [ResourceStatusDto], { description: 'Per object of the application: its sync state and health as last reported', complexity: 5 })
  async resources(@Parent() status: ClusterApplicationStatusDto, @Context() context: object): Promise<ResourceStatusDto[]> {
    return (await loadersOf(context, this.statuses).resources.load({ clusterId: status.clusterId, applicationId: status.applicationId })).map((resource) => ({
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
