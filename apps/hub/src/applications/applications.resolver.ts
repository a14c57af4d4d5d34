import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { connectionComplexity, PageArgs } from '../common/pagination';
import { ApplicationConnection, ApplicationDto, CreateApplicationInput, RevisionConnection, RevisionsArgs, UpdateApplicationInput } from './application.dto';
import { ApplicationsService, toApplicationDto } from './applications.service';

@Resolver(() => ApplicationDto)
export class ApplicationsResolver {
  constructor(private readonly applicationsService: ApplicationsService) {}

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

  @ResolveField(() => RevisionConnection, { complexity: connectionComplexity })
  revisionHistory(@Parent() application: ApplicationDto, @Args() page: PageArgs) {
    return this.applicationsService.revisions(application.name, page);
  }

  @Mutation(() => ApplicationDto)
  @RequiredRole('operator')
  createApplication(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateApplicationInput, @Args('reason', { nullable: true }) reason?: string) {
    return this.applicationsService.create(principal, input, reason);
  }

  @Mutation(() => ApplicationDto)
  @RequiredRole('operator')
  updateApplication(@CurrentPrincipal() principal: Principal, @Args('input') { name, ...changes }: UpdateApplicationInput, @Args('reason', { nullable: true }) reason?: string) {
    return this.applicationsService.update(principal, name, changes, reason);
  }

  @Mutation(() => ApplicationDto, { description: 'Deletes an application and its revisions; returns what it was' })
  @RequiredRole('operator')
  deleteApplication(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    return this.applicationsService.delete(principal, name, reason);
  }
}
