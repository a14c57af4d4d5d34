import { Args, Context, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { DataSource } from 'typeorm';
import type { AccessScope } from '../auth/access-policy';
import { CurrentScope } from '../auth/access.decorator';
import type { AuthenticatedRequest } from '../auth/current-principal.decorator';
import { SubscriberAccess } from '../auth/subscriber-access';
import { connectionComplexity, PageArgs } from '../common/pagination';
import { LiveChanges } from '../live/live-changes';
import { mappedLive } from '../live/live-iterator';
import { checkLiveSubjects, matchesLiveSubjects } from '../live/live-subjects';
import { ComplianceDto, ComplianceStateValue, ComplianceTransitionConnection } from './compliance.dto';
import { ComplianceService, type ComplianceView } from './compliance.service';
import { PoliciesService } from './policies.service';

function toComplianceDto(view: ComplianceView): ComplianceDto {
  return {
    clusterId: view.clusterId,
    cluster: view.cluster,
    policy: view.policy,
    policyVersion: view.policyVersion,
    state: ComplianceStateValue[view.state],
    judgedAt: view.judgedAt,
    violatingObjects: view.violating.flatMap((record) =>
      record.violations.map((violation) => ({ kind: record.object.kind, namespace: record.object.namespace, name: record.object.name, ...violation, since: new Date(record.since) })),
    ),
  };
}

/** Compliance of live clusters with the policies in force: read like any cluster data, within the caller's scope. */
@Resolver(() => ComplianceDto)
export class ComplianceResolver {
  constructor(
    private readonly service: ComplianceService,
    private readonly policies: PoliciesService,
    private readonly dataSource: DataSource,
    private readonly live: LiveChanges,
    private readonly access: SubscriberAccess,
  ) {}

  @Query(() => [ComplianceDto], { description: 'Per cluster the caller may see (or the one named, or those of a group) and policy in force there (or the one named): its compliance on live objects, by cluster then policy' })
  async compliance(
    @CurrentScope() scope: AccessScope,
    @Args('cluster', { type: () => String, nullable: true }) cluster: string | null,
    @Args('group', { type: () => String, nullable: true }) group: string | null,
    @Args('policy', { type: () => String, nullable: true }) policy: string | null,
  ): Promise<ComplianceDto[]> {
    return (await this.service.list({ cluster, group, policy }, scope)).map(toComplianceDto);
  }

  @ResolveField(() => ComplianceTransitionConnection, { description: "The transitions of the cluster's objects under the policy, newest first", complexity: connectionComplexity })
  history(@Parent() compliance: ComplianceDto, @Args() page: PageArgs) {
    return this.service.history(compliance.clusterId, compliance.policy, page);
  }

  @Subscription(() => ComplianceDto, { description: 'Each change of a cluster\'s compliance with a policy as its agent reports it: of one cluster and/or policy, or of every cluster the caller may see' })
  async complianceChanged(
    @Args('cluster', { type: () => String, nullable: true }) cluster: string | null,
    @Args('policy', { type: () => String, nullable: true }) policy: string | null,
    @CurrentScope() scope: AccessScope,
    @Context('req') request: AuthenticatedRequest,
  ) {
    await checkLiveSubjects(this.dataSource, scope, { cluster });
    if (policy) await this.policies.get(policy);
    return mappedLive(this.live.follow<ComplianceView>('compliance'), 'complianceChanged', async (view) =>
      matchesLiveSubjects(await this.access.scopeOf(request), { cluster }, { name: view.cluster, labels: view.clusterLabels }, undefined) && (!policy || view.policy === policy) ? toComplianceDto(view) : undefined,
    );
  }
}
