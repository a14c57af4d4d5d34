import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { connectionComplexity, PageArgs } from '../common/pagination';
import { CreateSourceInput, SourceConnection, SourceDto, UpdateSourceInput } from './source.dto';
import { SourcesService, toSourceDto } from './sources.service';

@Resolver(() => SourceDto)
export class SourcesResolver {
  constructor(private readonly sourcesService: SourcesService) {}

  @Query(() => SourceConnection, { complexity: connectionComplexity })
  sources(@Args() page: PageArgs) {
    return this.sourcesService.list(page);
  }

  @Query(() => SourceDto)
  async source(@Args('name') name: string) {
    return toSourceDto(await this.sourcesService.get(name));
  }

  @Mutation(() => SourceDto)
  @RequiredRole('operator')
  createSource(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateSourceInput, @Args('reason', { nullable: true }) reason?: string) {
    return this.sourcesService.create(principal, input, reason);
  }

  @Mutation(() => SourceDto)
  @RequiredRole('operator')
  updateSource(@CurrentPrincipal() principal: Principal, @Args('input') { name, ...changes }: UpdateSourceInput, @Args('reason', { nullable: true }) reason?: string) {
    return this.sourcesService.update(principal, name, changes, reason);
  }

  @Mutation(() => SourceDto, { description: 'Deletes a source no application uses; returns what it was' })
  @RequiredRole('operator')
  deleteSource(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    return this.sourcesService.delete(principal, name, reason);
  }
}
