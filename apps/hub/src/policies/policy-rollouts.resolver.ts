import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { PolicyRolloutEntity } from '@capstan/persistence';
import { heldUnderRollout, parseBudget, type PolicyRolloutAction, type PolicyRolloutStrategy } from '@capstan/rollout';
import type { AccessScope } from '../auth/access-policy';
import { AccessPolicyService } from '../auth/access-policy.service';
import { Access, CurrentScope } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import type { Connection } from '../common/pagination';
import { connectionComplexity } from '../common/pagination';
import { PolicyModeValue } from './policy.dto';
import { PolicyRolloutConnection, PolicyRolloutDto, PolicyRolloutIdArgs, PolicyRolloutsArgs, PolicyRolloutStrategyDto } from './policy-rollout.dto';
import { PolicyRolloutsService } from './policy-rollouts.service';

/** A strategy as the planner takes it: budgets as counts or shares. */
function strategyFrom(input: PolicyRolloutStrategyDto): PolicyRolloutStrategy {
  return { ...input, stages: input.stages.map(({ maxConcurrency, ...stage }) => ({ ...stage, maxConcurrency: maxConcurrency === undefined ? undefined : parseBudget(maxConcurrency) })) };
}

/** The API view of a policy rollout; only the clusters in `visible` (null: all) are shown. */
export function toPolicyRolloutDto(rollout: PolicyRolloutEntity, visible: ReadonlySet<string> | null): PolicyRolloutDto {
  const { record, strategy } = rollout;
  return {
    id: rollout.id,
    policy: rollout.policy?.name ?? '',
    version: rollout.version,
    previousVersion: record.previous.version,
    previousMode: PolicyModeValue[record.previous.mode],
    state: rollout.state,
    reason: record.reason,
    startedBy: rollout.startedBy,
    startReason: rollout.reason,
    startedAt: rollout.createdAt,
    finishedAt: rollout.finishedAt,
    strategy: { ...strategy, stages: strategy.stages.map((stage) => ({ ...stage, maxConcurrency: stage.maxConcurrency?.toString() })) },
    stages: record.stages.map((stage) => ({
      name: stage.name,
      state: stage.phase,
      batches: stage.batches.length,
      clusters: stage.batches
        .flatMap((batch) => batch.clusters)
        .filter((name) => visible === null || visible.has(name))
        .map((name) => {
          const cluster = record.clusters[name];
          const held = heldUnderRollout(record, name);
          return { cluster: name, state: cluster.phase, version: held?.version ?? null, mode: held ? PolicyModeValue[held.mode] : null, since: new Date(cluster.since), violations: cluster.violations };
        }),
    })),
  };
}

/** Policy rollouts: read by anyone (their clusters within the caller's scope), started and acted on by admins not limited to groups, as policies are changed. */
@Resolver(() => PolicyRolloutDto)
export class PolicyRolloutsResolver {
  constructor(
    private readonly service: PolicyRolloutsService,
    private readonly policy: AccessPolicyService,
  ) {}

  @Query(() => PolicyRolloutConnection, { description: 'Policy rollouts, newest first', complexity: connectionComplexity })
  async policyRollouts(@Args() { policy, state, ...page }: PolicyRolloutsArgs, @CurrentScope() scope: AccessScope): Promise<Connection<PolicyRolloutDto>> {
    const [connection, visible] = await Promise.all([this.service.list({ policy, state }, page), this.visible(scope)]);
    return { ...connection, edges: connection.edges.map((edge) => ({ ...edge, node: toPolicyRolloutDto(edge.node, visible) })) };
  }

  @Query(() => PolicyRolloutDto)
  async policyRollout(@Args() { id }: PolicyRolloutIdArgs, @CurrentScope() scope: AccessScope): Promise<PolicyRolloutDto> {
    return toPolicyRolloutDto(await this.service.get(id), await this.visible(scope));
  }

  @Mutation(() => PolicyRolloutDto, { description: "Rolls the policy's latest version out through the stages: each batch audits it, and is enforced once its stage's violating objects are within the allowance; otherwise the rollout pauses there, naming them" })
  @RequiredRole('admin')
  @Access.fleet('policies')
  async startPolicyRollout(
    @CurrentPrincipal() principal: Principal,
    @Args('policy') policy: string,
    @Args('strategy') strategy: PolicyRolloutStrategyDto,
    @Args('reason') reason: string,
    @CurrentScope() scope: AccessScope,
    @Args('version', { type: () => Int, nullable: true, description: 'The version meant (the latest saved); refused if another was saved meanwhile' }) version?: number | null,
  ): Promise<PolicyRolloutDto> {
    const rollout = await this.service.start(principal, policy, version ?? null, strategyFrom(strategy), reason);
    return toPolicyRolloutDto(await this.service.get(rollout.id), await this.visible(scope));
  }

  @Mutation(() => PolicyRolloutDto, { description: 'Holds every cluster where it is until resumed' })
  @RequiredRole('admin')
  @Access.fleet('policies')
  pausePolicyRollout(@CurrentPrincipal() principal: Principal, @Args() { id }: PolicyRolloutIdArgs, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.acted(principal, id, { type: 'pause', reason }, scope);
  }

  @Mutation(() => PolicyRolloutDto, { description: 'Goes on after a pause: the stage it paused at is judged again at once (and pauses again while its violations exceed the allowance)' })
  @RequiredRole('admin')
  @Access.fleet('policies')
  resumePolicyRollout(@CurrentPrincipal() principal: Principal, @Args() { id }: PolicyRolloutIdArgs, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.acted(principal, id, { type: 'resume', reason }, scope);
  }

  @Mutation(() => PolicyRolloutDto, { description: 'Stops the rollout for good: every cluster holds again what was in force before' })
  @RequiredRole('admin')
  @Access.fleet('policies')
  abortPolicyRollout(@CurrentPrincipal() principal: Principal, @Args() { id }: PolicyRolloutIdArgs, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.acted(principal, id, { type: 'abort', reason }, scope);
  }

  @Mutation(() => PolicyRolloutDto, { description: 'Returns every cluster to the version and mode in force before, in flight or after it succeeded' })
  @RequiredRole('admin')
  @Access.fleet('policies')
  rollbackPolicyRollout(@CurrentPrincipal() principal: Principal, @Args() { id }: PolicyRolloutIdArgs, @Args('reason') reason: string, @CurrentScope() scope: AccessScope) {
    return this.acted(principal, id, { type: 'rollback', reason }, scope);
  }

  private async acted(principal: Principal, id: string, action: PolicyRolloutAction, scope: AccessScope): Promise<PolicyRolloutDto> {
    await this.service.act(principal, id, action);
    return toPolicyRolloutDto(await this.service.get(id), await this.visible(scope));
  }

  private async visible(scope: AccessScope): Promise<ReadonlySet<string> | null> {
    return scope.restricted ? this.policy.visibleClusterNames(scope) : null;
  }
}
