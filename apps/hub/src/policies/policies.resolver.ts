import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { PolicyMode } from '@capstan/policy';
import type { PolicyEntity } from '@capstan/persistence';
import type { AccessScope } from '../auth/access-policy';
import { Access, CurrentScope } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { PoliciesService } from './policies.service';
import { PolicyImpactService } from './policy-impact.service';
import { PolicyDto, PolicyImpactDto, PolicyInput, PolicyModeValue, PolicyVersionDto } from './policy.dto';

/** Fleet-wide policies: read by anyone, changed by admins not limited to groups (a policy concerns the whole fleet). */
@Resolver(() => PolicyDto)
export class PoliciesResolver {
  constructor(
    private readonly service: PoliciesService,
    private readonly impact: PolicyImpactService,
  ) {}

  @Query(() => [PolicyDto], { description: 'Every policy, by name' })
  policies() {
    return this.service.list();
  }

  @Query(() => PolicyDto)
  policy(@Args('name') name: string) {
    return this.service.get(name);
  }

  @Query(() => PolicyImpactDto, { description: 'What a policy (new, or a new version: fields left out keep their value) would find in what every cluster the caller may see should run now; changes nothing' })
  async policyImpact(@Args('input') input: PolicyInput, @Args('teamLabel', { defaultValue: 'team' }) teamLabel: string, @CurrentScope() scope: AccessScope): Promise<PolicyImpactDto> {
    const impact = await this.impact.impact(input, teamLabel, scope);
    const { mode, version = 1 } = impact.policy;
    return {
      mode,
      version,
      wouldBlock: mode === 'enforce' && impact.objects > 0,
      clusters: impact.clusters,
      objects: impact.objects,
      violations: impact.violations.map((violation) => ({ ...violation, policyVersion: version, mode })),
      byNamespace: impact.byNamespace,
      byTeam: impact.byTeam,
    };
  }

  @ResolveField(() => String, { nullable: true, description: 'The git source whose policy folder the policy comes from (change it there); null: made through the API' })
  source(@Parent() policy: PolicyEntity) {
    return this.service.sourceName(policy);
  }

  @ResolveField(() => [PolicyVersionDto], { description: 'Every saved version, newest first' })
  versions(@Parent() policy: PolicyEntity) {
    return this.service.versions(policy);
  }

  @Mutation(() => PolicyDto, { description: 'Saves a new policy once it compiles (CEL errors name the rule, the field and the position); mode defaults to audit' })
  @RequiredRole('admin')
  @Access.fleet('policies')
  createPolicy(@CurrentPrincipal() principal: Principal, @Args('input') input: PolicyInput, @Args('reason', { nullable: true }) reason?: string) {
    return this.service.create(principal, input, reason);
  }

  @Mutation(() => PolicyDto, { description: 'Saves a new version of a policy: the fields given replace the current ones' })
  @RequiredRole('admin')
  @Access.fleet('policies')
  updatePolicy(@CurrentPrincipal() principal: Principal, @Args('input') input: PolicyInput, @Args('reason', { nullable: true }) reason?: string) {
    return this.service.update(principal, input, reason);
  }

  @Mutation(() => PolicyDto, { description: 'Deletes a policy; returns what it was' })
  @RequiredRole('admin')
  @Access.fleet('policies')
  deletePolicy(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    return this.service.delete(principal, name, reason);
  }

  @Mutation(() => PolicyDto, { description: 'Creates a policy from a ValidatingAdmissionPolicy manifest (YAML, with its binding if given: its validationActions give the mode unless mode is given)' })
  @RequiredRole('admin')
  @Access.fleet('policies')
  importValidatingAdmissionPolicy(
    @CurrentPrincipal() principal: Principal,
    @Args('manifest') manifest: string,
    @Args('mode', { type: () => PolicyModeValue, nullable: true, description: 'Overrides what the binding says' }) mode?: PolicyMode | null,
    @Args('reason', { nullable: true }) reason?: string,
  ) {
    return this.service.importValidatingAdmissionPolicy(principal, manifest, mode ?? undefined, reason);
  }
}
