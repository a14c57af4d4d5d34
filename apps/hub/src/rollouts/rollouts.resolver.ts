import { Args, Context, ID, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { RolloutEntity } from '@capstan/persistence';
import { rolloutProgress, type RolloutAction, type RolloutGate } from '@capstan/rollout';
import type { AccessScope } from '../auth/access-policy';
import { AccessPolicyService } from '../auth/access-policy.service';
import { Access, CurrentScope } from '../auth/access.decorator';
import { type AuthenticatedRequest, CurrentPrincipal } from '../auth/current-principal.decorator';
import { SubscriberAccess } from '../auth/subscriber-access';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { CapstanException } from '../common/capstan.exception';
import { type Connection, connectionComplexity } from '../common/pagination';
import { LiveChanges } from '../live/live-changes';
import { mappedLive } from '../live/live-iterator';
import { RolloutConnection, RolloutDto, type RolloutGateDto, RolloutIdArgs, RolloutsArgs } from './rollout.dto';
import { clustersBlocked } from '../policies/policy-gate';
import { rolloutStrategyDto, RolloutsService } from './rollouts.service';

const gateDto = (gate: RolloutGate | null): RolloutGateDto | null => (gate ? { kind: gate.kind, stage: gate.stage, until: gate.until === null ? null : new Date(gate.until) } : null);

/** The API view of a rollout; only the clusters in `visible` (null: all) are shown. */
export function toRolloutDto(rollout: RolloutEntity, visible: ReadonlySet<string> | null): RolloutDto {
  const { record } = rollout;
  const shown = (cluster: string) => visible === null || visible.has(cluster);
  const current = record.stages.find((stage) => stage.state === 'Progressing' || stage.state === 'WaitingForApproval' || stage.state === 'Failed');
  return {
    id: rollout.id,
    application: rollout.application?.name ?? '',
    revision: rollout.revisionId,
    commitSha: rollout.revision?.commitSha ?? '',
    blockedClusters: clustersBlocked(rollout.revision?.policyViolations ?? []).filter(shown),
    state: rollout.state,
    reason: record.reason,
    startedBy: rollout.startedBy,
    startReason: rollout.reason,
    rollback: rollout.isRollback,
    startedAt: rollout.createdAt,
    finishedAt: rollout.finishedAt,
    strategy: rolloutStrategyDto(rollout.strategy),
    stages: record.stages.map((stage) => {
      const inProgress = stage === current ? stage.batches.find((batch) => batch.state === 'Progressing' || batch.state === 'Failed') : undefined;
      return {
        name: stage.name,
        state: stage.state,
        maxConcurrency: stage.maxConcurrency,
        maxFailures: stage.maxFailures,
        batches: stage.batches.map((batch, index) => ({
          index,
          state: batch.state,
          gate: batch === inProgress || (stage === current && stage.state === 'WaitingForApproval' && index === 0) ? gateDto(record.gate) : null,
          clusters: batch.clusters.filter(shown).map((name) => {
            const cluster = record.clusters[name];
            return { cluster: name, state: cluster.state, revision: cluster.target.revisionId, previousRevision: cluster.previous?.revisionId ?? null, since: new Date(cluster.since), reason: cluster.reason };
          }),
        })),
      };
    }),
    progress: rolloutProgress(record),
    gate: gateDto(record.gate),
  };
}

@Resolver(() => RolloutDto)
export class RolloutsResolver {
  constructor(
    private readonly service: RolloutsService,
    private readonly policy: AccessPolicyService,
    private readonly live: LiveChanges,
    private readonly access: SubscriberAccess,
  ) {}

  @Subscription(() => RolloutDto, { description: 'Each rollout as it changes (a cluster, a batch, a gate, its state): the one with `id`, those of `application`, or all' })
  async rolloutChanged(
    @Args('id', { type: () => ID, nullable: true }) id: string | null,
    @Args('application', { type: () => String, nullable: true }) application: string | null,
    @Context('req') request: AuthenticatedRequest,
  ) {
    if (id) await this.service.get(id);
    if (application && !(await this.service.applicationExists(application))) throw CapstanException.notFound('application', application);
    return mappedLive(this.live.follow<RolloutEntity>('rollout'), 'rolloutChanged', async (rollout) => {
      if ((id && rollout.id !== id) || (application && rollout.application?.name !== application)) return undefined;
      return toRolloutDto(rollout, await this.visible(await this.access.scopeOf(request)));
    });
  }

  @Query(() => RolloutConnection, { description: 'Rollouts, newest first', complexity: connectionComplexity })
  async rollouts(@Args() { application, state, ...page }: RolloutsArgs, @CurrentScope() scope: AccessScope): Promise<Connection<RolloutDto>> {
    const [connection, visible] = await Promise.all([this.service.list({ application, state }, page), this.visible(scope)]);
    return { ...connection, edges: connection.edges.map((edge) => ({ ...edge, node: toRolloutDto(edge.node, visible) })) };
  }

  @Query(() => RolloutDto)
  async rollout(@Args() { id }: RolloutIdArgs, @CurrentScope() scope: AccessScope): Promise<RolloutDto> {
    return toRolloutDto(await this.service.get(id), await this.visible(scope));
  }

  @Mutation(() => RolloutDto, { description: 'Rolls a revision out through the application\'s stages (how revisions reach clusters under sync manual)' })
  @RequiredRole('operator')
  @Access.application('application')
  startRollout(@CurrentPrincipal() principal: Principal, @Args('application') application: string, @Args('revision', { type: () => ID }) revision: string, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.started(this.service.startByOperator(principal, application, revision, { reason, rollback: false, immediate: false }), scope);
  }

  @Mutation(() => RolloutDto, { description: 'Returns the application to an earlier revision from stored bundles (no git needed): through its stages, or at once everywhere' })
  @RequiredRole('operator')
  @Access.application('application')
  rollback(
    @CurrentPrincipal() principal: Principal,
    @Args('application') application: string,
    @Args('toRevision', { type: () => ID }) toRevision: string,
    @Args('reason') reason: string,
    @Args('immediate', { defaultValue: false }) immediate: boolean,
    @CurrentScope() scope: AccessScope,
  ) {
    return this.started(this.service.startByOperator(principal, application, toRevision, { reason, rollback: true, immediate }), scope);
  }

  @Mutation(() => RolloutDto, { description: 'Starts no new cluster until resumed' })
  @RequiredRole('operator')
  @Access.rollout('id')
  pauseRollout(@CurrentPrincipal() principal: Principal, @Args() { id }: RolloutIdArgs, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.acted(principal, id, { type: 'pause', reason }, scope);
  }

  @Mutation(() => RolloutDto, { description: 'Goes on after a pause; after a failed batch, its failures are accepted' })
  @RequiredRole('operator')
  @Access.rollout('id')
  resumeRollout(@CurrentPrincipal() principal: Principal, @Args() { id }: RolloutIdArgs, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.acted(principal, id, { type: 'resume', reason }, scope);
  }

  @Mutation(() => RolloutDto, { description: 'Skips the gate the rollout waits on: an approval, or the bake of the clusters baking now' })
  @RequiredRole('operator')
  @Access.rollout('id')
  promoteRollout(@CurrentPrincipal() principal: Principal, @Args() { id }: RolloutIdArgs, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.acted(principal, id, { type: 'promote', reason }, scope);
  }

  @Mutation(() => RolloutDto, { description: 'Approves the stage the rollout waits on' })
  @RequiredRole('operator')
  @Access.rollout('id')
  approveRolloutStage(@CurrentPrincipal() principal: Principal, @Args() { id }: RolloutIdArgs, @Args('stage') stage: string, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.acted(principal, id, { type: 'approve', stage, reason }, scope);
  }

  @Mutation(() => RolloutDto, { description: 'Stops the rollout for good; clusters keep what they run' })
  @RequiredRole('operator')
  @Access.rollout('id')
  abortRollout(@CurrentPrincipal() principal: Principal, @Args() { id }: RolloutIdArgs, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.acted(principal, id, { type: 'abort', reason }, scope);
  }

  @Mutation(() => RolloutDto, { description: 'Starts the failed and timed-out clusters of the failed stage again' })
  @RequiredRole('operator')
  @Access.rollout('id')
  retryRollout(@CurrentPrincipal() principal: Principal, @Args() { id }: RolloutIdArgs, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.acted(principal, id, { type: 'retry', reason }, scope);
  }

  private async acted(principal: Principal, id: string, action: RolloutAction, scope: AccessScope): Promise<RolloutDto> {
    await this.service.act(principal, id, action);
    return toRolloutDto(await this.service.get(id), await this.visible(scope));
  }

  private async started(rollout: Promise<RolloutEntity>, scope: AccessScope): Promise<RolloutDto> {
    return toRolloutDto(await this.service.get((await rollout).id), await this.visible(scope));
  }

  private async visible(scope: AccessScope): Promise<ReadonlySet<string> | null> {
    return scope.restricted ? this.policy.visibleClusterNames(scope) : null;
  }
}
