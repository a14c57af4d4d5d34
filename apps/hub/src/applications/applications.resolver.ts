import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { AccessScope } from '../auth/access-policy';
import { AccessPolicyService } from '../auth/access-policy.service';
import { Access, CurrentScope } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { connectionComplexity, PageArgs } from '../common/pagination';
import { StringMapScalar } from '../common/string-map.scalar';
import type { RevisionPolicyViolation } from '@capstan/persistence';
import { clustersBlocked } from '../policies/policy-gate';
import { PolicyViolationDto } from '../policies/policy.dto';
import { ApplicationConnection, ApplicationDto, CreateApplicationInput, RevisionConnection, RevisionDto, RevisionsArgs, UpdateApplicationInput } from './application.dto';
import { DesiredStatesService } from '../desired-states/desired-states.service';
import { DesiredStateEvents } from '../rendering/desired-state-events';
import { SourceSyncService } from '../sources/source-sync.service';
import { ApplicationsService, toApplicationDto } from './applications.service';

@Resolver(() => ApplicationDto)
export class ApplicationsResolver {
  constructor(
    private readonly applicationsService: ApplicationsService,
    private readonly sync: SourceSyncService,
    private readonly events: DesiredStateEvents,
    private readonly desiredStates: DesiredStatesService,
  ) {}

  @Query(() => ApplicationConnection, { complexity: connectionComplexity })
  applications(@Args() page: PageArgs) {
    return this.applicationsService.list(page);
  }

  @Query(() => ApplicationDto)
  async application(@Args('name') name: string) {
    return toApplicationDto(await this.applicationsService.get(name));
  }

  @Query(() => RevisionConnection, { description: "An application's revisions, newest first", complexity: connectionComplexity })
  revisions(@Args() { application, ...page }: RevisionsArgs) {
    return this.applicationsService.revisions(application, page);
  }

  @ResolveField(() => RevisionDto, { nullable: true, description: 'The last good revision: what its clusters should run' })
  currentRevision(@Parent() application: ApplicationDto) {
    return this.applicationsService.currentRevision(application);
  }

  @ResolveField(() => RevisionConnection, { complexity: connectionComplexity })
  revisionHistory(@Parent() application: ApplicationDto, @Args() page: PageArgs) {
    return this.applicationsService.revisions(application.name, page);
  }

  @Mutation(() => ApplicationDto)
  @RequiredRole('operator')
  @Access.newApplication('input.name', 'input.targets')
  async createApplication(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateApplicationInput, @Args('reason', { nullable: true }) reason?: string) {
    const application = await this.applicationsService.create(principal, input, reason);
    // Render the new application at its source's current commit without waiting for the next one.
    void this.sync.sync(application.source);
    return application;
  }

  @Mutation(() => ApplicationDto)
  @RequiredRole('operator')
  @Access.application('input.name', 'input.targets')
  async updateApplication(@CurrentPrincipal() principal: Principal, @Args('input') { name, ...changes }: UpdateApplicationInput, @Args('reason', { nullable: true }) reason?: string) {
    const application = await this.applicationsService.update(principal, name, changes, reason);
    // Policies and ignore rules travel with the desired state: tell the clusters running it. Its targets decide which clusters those are.
    await this.desiredStates.policiesChanged(application.id);
    this.events.placementChanged();
    return application;
  }

  @Mutation(() => ApplicationDto, { description: 'Deletes an application and its revisions; returns what it was' })
  @RequiredRole('operator')
  @Access.application('name')
  deleteApplication(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    return this.applicationsService.delete(principal, name, reason);
  }
}

@Resolver(() => RevisionDto)
export class RevisionFieldsResolver {
  constructor(private readonly policy: AccessPolicyService) {}

  @ResolveField(() => StringMapScalar, { description: 'Cluster name → digest of the bundle rendered for it (of the clusters the caller may see)' })
  async clusterDigests(@Parent() revision: RevisionDto, @CurrentScope() scope: AccessScope): Promise<Record<string, string>> {
    if (!scope.restricted) return revision.clusterDigests;
    const visible = await this.policy.visibleClusterNames(scope);
    return Object.fromEntries(Object.entries(revision.clusterDigests).filter(([cluster]) => visible.has(cluster)));
  }

  @ResolveField(() => [PolicyViolationDto], { description: "What the policies in force found in each cluster's bundle when it was rendered (of the clusters the caller may see)" })
  async policyViolations(@Parent() revision: RevisionDto, @CurrentScope() scope: AccessScope): Promise<RevisionPolicyViolation[]> {
    if (!scope.restricted) return revision.policyViolations;
    const visible = await this.policy.visibleClusterNames(scope);
    return revision.policyViolations.filter((violation) => visible.has(violation.cluster));
  }

  @ResolveField(() => [String], { description: 'Clusters an enforce policy kept this revision from: they keep what they ran (of the clusters the caller may see)' })
  async blockedClusters(@Parent() revision: RevisionDto, @CurrentScope() scope: AccessScope): Promise<string[]> {
    return clustersBlocked(await this.policyViolations(revision, scope));
  }
}
