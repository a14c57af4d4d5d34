import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { connectionComplexity, PageArgs } from '../common/pagination';
import { ApiTokenConnection, ApiTokenDto, CreateApiTokenInput, CreatedApiToken } from './api-token.dto';
import { Access } from './access.decorator';
import { ApiTokensService } from './api-tokens.service';
import { CurrentPrincipal } from './current-principal.decorator';
import type { Principal } from './principal';
import { RequiredRole } from './required-role.decorator';

@Resolver()
export class AuthResolver {
  constructor(private readonly tokensService: ApiTokensService) {}

  @Query(() => ApiTokenDto, { description: 'The token making this request' })
  whoami(@CurrentPrincipal() principal: Principal) {
    return this.tokensService.get(principal.tokenId);
  }

  @Query(() => ApiTokenConnection, { complexity: connectionComplexity })
  @RequiredRole('admin')
  apiTokens(@Args() page: PageArgs) {
    return this.tokensService.list(page);
  }

  @Mutation(() => CreatedApiToken)
  @RequiredRole('admin')
  @Access.newToken('input.name', 'input.groupScope')
  createApiToken(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateApiTokenInput, @Args('reason', { nullable: true }) reason?: string) {
    return this.tokensService.create(principal, input, reason);
  }

  @Mutation(() => ApiTokenDto)
  @RequiredRole('admin')
  @Access.token('name')
  revokeApiToken(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    return this.tokensService.revoke(principal, name, reason);
  }
}
