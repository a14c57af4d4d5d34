import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { ClusterEntity, ClusterGroupEntity } from '@capstan/persistence';
import type { AccessScope } from '../auth/access-policy';
import { Access, CurrentScope } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { connectionComplexity } from '../common/pagination';
import { ClusterGroupDto } from '../groups/cluster-group.dto';
import { groupContainsCluster } from '../groups/group-membership';
import { GroupsService } from '../groups/groups.service';
import { DesiredStateEvents } from '../rendering/desired-state-events';
import { ClusterConnection, ClusterDto, ClustersArgs, CreateClusterInput, UpdateClusterLabelsInput } from './cluster.dto';
import { ClustersService } from './clusters.service';

@Resolver(() => ClusterDto)
export class ClustersResolver {
  constructor(
    private readonly clustersService: ClustersService,
    private readonly groupsService: GroupsService,
    private readonly events: DesiredStateEvents,
  ) {}

  @Query(() => ClusterConnection, { description: 'Clusters, optionally filtered by a label selector', complexity: connectionComplexity })
  clusters(@CurrentScope() scope: AccessScope, @Args() { selector, ...page }: ClustersArgs) {
    return this.clustersService.list(selector, page, scope);
  }

  @Query(() => ClusterDto)
  @Access.cluster('name')
  cluster(@Args('name') name: string) {
    return this.clustersService.get(name);
  }

  @ResolveField(() => [ClusterGroupDto], { description: 'The cluster groups it belongs to (those the caller may see)', complexity: 5 })
  async groups(@Parent() cluster: ClusterEntity, @CurrentScope() scope: AccessScope, @Context() context: { allGroups?: Promise<ClusterGroupEntity[]> }) {
    // One read of the groups per request, however many clusters the response lists.
    context.allGroups ??= this.groupsService.all();
    return (await context.allGroups).filter((group) => scope.includesGroup(group.name) && groupContainsCluster(group, cluster));
  }

  @Mutation(() => ClusterDto)
  @RequiredRole('operator')
  @Access.newCluster('input')
  async createCluster(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateClusterInput, @Args('reason', { nullable: true }) reason?: string) {
    const cluster = await this.clustersService.create(principal, input, reason);
    this.events.placementChanged();
    return cluster;
  }

  @Mutation(() => ClusterDto, { description: "Replaces a cluster's labels, and so its group memberships" })
  @RequiredRole('operator')
  @Access.relabelledCluster('input')
  async updateClusterLabels(@CurrentPrincipal() principal: Principal, @Args('input') input: UpdateClusterLabelsInput, @Args('reason', { nullable: true }) reason?: string) {
    const cluster = await this.clustersService.updateLabels(principal, input.name, input.labels, reason);
    // The policies in force there follow its labels.
    this.events.changed([cluster.name]);
    this.events.placementChanged();
    return cluster;
  }

  @Mutation(() => ClusterDto, { description: 'Forgets a cluster; returns what it was' })
  @RequiredRole('operator')
  @Access.cluster('name')
  async deleteCluster(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    const cluster = await this.clustersService.delete(principal, name, reason);
    this.events.placementChanged();
    return cluster;
  }
}
