import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AuditService } from '../audit/audit.service';
import { Access } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { connectionComplexity, PageArgs } from '../common/pagination';
import { CreateSourceInput, SourceConnection, SourceDto, SourceSyncDto, UpdateSourceInput } from './source.dto';
import { SourceSyncService } from './source-sync.service';
import { SourcesService, toSourceDto } from './sources.service';

@Resolver(() => SourceDto)
export class SourcesResolver {
  constructor(
    private readonly sourcesService: SourcesService,
    private readonly sync: SourceSyncService,
    private readonly audit: AuditService,
  ) {}

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
  @Access.fleet('sources')
  createSource(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateSourceInput, @Args('reason', { nullable: true }) reason?: string) {
    return this.sourcesService.create(principal, input, reason);
  }

  @Mutation(() => SourceDto)
  @RequiredRole('operator')
  @Access.fleet('sources')
  updateSource(@CurrentPrincipal() principal: Principal, @Args('input') { name, ...changes }: UpdateSourceInput, @Args('reason', { nullable: true }) reason?: string) {
    return this.sourcesService.update(principal, name, changes, reason);
  }

  @Mutation(() => SourceSyncDto, { description: 'Fetches the source now and renders a new commit, instead of waiting for the poll interval' })
  @RequiredRole('operator')
  @Access.fleet('sources')
  async syncSource(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    await this.sourcesService.get(name);
    const outcome = await this.sync.sync(name);
    const result = outcome.status === 'failed' ? { status: outcome.status, commitSha: null, error: outcome.error } : { status: outcome.status, commitSha: outcome.commit.sha, error: null };
    // Recorded after the sync, which runs outside any transaction of this request.
    return this.audit.change(principal, { action: 'source.sync', targetType: 'Source', targetName: name, reason }, async () => ({ result, summary: { ...result } }));
  }

  @Mutation(() => SourceDto, { description: 'Deletes a source no application uses; returns what it was' })
  @RequiredRole('operator')
  @Access.fleet('sources')
  deleteSource(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    return this.sourcesService.delete(principal, name, reason);
  }
}
