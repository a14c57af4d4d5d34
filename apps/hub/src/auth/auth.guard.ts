import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { TokenRole } from '@capstan/persistence';
import type { GraphQLResolveInfo } from 'graphql';
import { assertSoundArguments } from '../common/argument-checks';
import { CapstanException } from '../common/capstan.exception';
import { type AccessRule, accessRuleKey } from './access.decorator';
import { AccessPolicyService } from './access-policy.service';
import { ApiTokensService } from './api-tokens.service';
import type { AuthenticatedRequest } from './current-principal.decorator';
import { requiredRoleKey } from './required-role.decorator';

/**
 * Every GraphQL operation needs a valid bearer token; resolvers marked with @RequiredRole need
 * at least that role, and what an operation concerns (@Access) must be within the caller's
 * scope, as the access policy decides. Plain HTTP routes (health, metrics, webhooks)
 * authenticate on their own.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
    private readonly policy: AccessPolicyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<string>() !== 'graphql') return true;
    const graphql = GqlExecutionContext.create(context);
    const request = graphql.getContext<{ req: AuthenticatedRequest }>().req;
    const info = graphql.getInfo<GraphQLResolveInfo>();
    const principal = (request.principal ??= await this.tokens.authenticateHeader(request.headers.authorization));
    const required = this.reflector.getAllAndOverride<TokenRole | undefined>(requiredRoleKey, [context.getHandler(), context.getClass()]) ?? 'viewer';
    if (!principal.hasRole(required)) {
      throw CapstanException.permissionDenied(`${principal.actor} has role ${principal.role}; ${info.fieldName} needs ${required}`);
    }
    const args = graphql.getArgs<Record<string, unknown>>();
    // Before the policy reads anything for these arguments: PostgreSQL refuses some of them outright.
    assertSoundArguments(args, '');
    const mutation = info.parentType.name === 'Mutation';
    // A mutation sees the groups as the mutations before it in the same request left them.
    const scope = mutation || !request.accessScope ? await this.policy.scopeOf(principal) : request.accessScope;
    request.accessScope = scope;
    const rule = this.reflector.get<AccessRule | undefined>(accessRuleKey, context.getHandler());
    await this.policy.enforce(scope, rule, args, { name: info.fieldName, mutation });
    return true;
  }
}
