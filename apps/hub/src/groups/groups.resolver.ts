import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { ClusterGroupEntity } from '@capstan/persistence';
import type { AccessScope } from '../auth/access-policy';
import { Access, CurrentScope } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { connectionComplexity, PageArgs } from '../common/pagination';
import { ClusterConnection } from '../clusters/cluster.dto';
import { ClusterGroupConnection, ClusterGroupDto, CreateClusterGroupInput, MatchingClustersArgs, UpdateClusterGroupInput } from './cluster-group.dto';
import { DesiredStateEvents } from '../rendering/desired-state-events';
import { GroupsService } from './groups.service';

@Resolver(() => ClusterGroupDto)
export class GroupsResolver {
  constructor(
    private readonly groupsService: GroupsService,
    private readonly events: DesiredStateEvents,
  ) {}

  @Query(() => ClusterGroupConnection, { complexity: connectionComplexity })
  clusterGroups(@CurrentScope() scope: AccessScope, @Args() page: PageArgs) {
    return this.groupsService.list(page, scope);
  }

  @Query(() => ClusterGroupDto)
  @Access.group('name')
  clusterGroup(@Args('name') name: string) {
    return this.groupsService.get(name);
  }

  @Query(() => ClusterConnection, { description: 'Preview: the clusters a group with this selector and these members would hold (of those the caller may see)', complexity: connectionComplexity })
  matchingClusters(@CurrentScope() scope: AccessScope, @Args() { selector, members, ...page }: MatchingClustersArgs) {
    return this.groupsService.matchingClusters({ selector: selector ?? null, members: members ?? [] }, page, scope);
  }

  @ResolveField(() => ClusterConnection, { description: 'The clusters in this group now', complexity: connectionComplexity })
  clusters(@Parent() group: ClusterGroupEntity, @CurrentScope() scope: AccessScope, @Args() page: PageArgs) {
    return this.groupsService.matchingClusters(group, page, scope);
  }

  @Mutation(() => ClusterGroupDto)
  @RequiredRole('operator')
  @Access.newGroup('input.name', 'input')
  async createClusterGroup(@CurrentPrincipal() principal: Principal, @Args('input') { name, ...fields }: CreateClusterGroupInput, @Args('reason', { nullable: true }) reason?: string) {
    const group = await this.groupsService.create(principal, { name, ...fields }, reason);
    // Policies scoped to the group now reach its clusters.
    this.events.changed(await this.memberNames(group));
    this.events.placementChanged();
    return group;
  }

  @Mutation(() => ClusterGroupDto)
  @RequiredRole('operator')
  @Access.group('input.name', 'input')
  async updateClusterGroup(@CurrentPrincipal() principal: Principal, @Args('input') { name, ...changes }: UpdateClusterGroupInput, @Args('reason', { nullable: true }) reason?: string) {
    const before = await this.memberNames(await this.groupsService.get(name));
    const group = await this.groupsService.update(principal, name, changes, reason);
    // A group's heal policy and ignore rules travel with its clusters' desired state; its selector, members and variables decide what they run,
    // and the policies scoped to it reach its clusters: those that left it are told too.
    this.events.changed([...new Set([...before, ...(await this.memberNames(group))])]);
    this.events.placementChanged();
    return group;
  }

  @Mutation(() => ClusterGroupDto, { description: 'Deletes a group no application targets; returns what it was' })
  @RequiredRole('operator')
  @Access.group('name')
  async deleteClusterGroup(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    const members = await this.memberNames(await this.groupsService.get(name));
    const group = await this.groupsService.delete(principal, name, reason);
    // Policies scoped to the group no longer reach its clusters.
    this.events.changed(members);
    return group;
  }

  private async memberNames(group: ClusterGroupEntity): Promise<string[]> {
    return (await this.groupsService.matchingClustersQuery(group).getMany()).map((cluster) => cluster.name);
  }
}
