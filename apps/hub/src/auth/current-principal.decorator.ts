import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request } from 'express';
import type { AccessScope } from './access-policy';
import type { Principal } from './principal';

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
  /** What the principal may see and change, worked out by the auth guard. */
  accessScope?: AccessScope;
}

/** The principal the auth guard attached to the request. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = GqlExecutionContext.create(context).getContext<{ req: AuthenticatedRequest }>().req;
  if (!request.principal) throw new Error('CurrentPrincipal used on a route the auth guard did not run for');
  return request.principal;
});
