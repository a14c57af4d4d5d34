import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { TokenRole } from '@capstan/persistence';
import { CapstanException } from '../common/capstan.exception';
import { ApiTokensService } from './api-tokens.service';
import type { AuthenticatedRequest } from './current-principal.decorator';
import { requiredRoleKey } from './required-role.decorator';

/**
 * Every GraphQL operation needs a valid bearer token; resolvers marked with @RequiredRole need
 * at least that role. Plain HTTP routes (health, metrics, webhooks) authenticate on their own.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<string>() !== 'graphql') return true;
    const request = GqlExecutionContext.create(context).getContext<{ req: AuthenticatedRequest }>().req;
    request.principal ??= await this.authenticate(request.headers.authorization);
    const required = this.reflector.getAllAndOverride<TokenRole | undefined>(requiredRoleKey, [context.getHandler(), context.getClass()]) ?? 'viewer';
    if (!request.principal.hasRole(required)) {
      const operation = GqlExecutionContext.create(context).getInfo<{ fieldName: string }>().fieldName;
      throw CapstanException.permissionDenied(`${request.principal.actor} has role ${request.principal.role}; ${operation} needs ${required}`);
    }
    return true;
  }

  private authenticate(header: string | undefined) {
    if (!header) throw CapstanException.unauthenticated('missing Authorization header: send "Authorization: Bearer <token>"');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw CapstanException.unauthenticated('the Authorization header must be "Bearer <token>"');
    return this.tokens.authenticate(match[1]);
  }
}
