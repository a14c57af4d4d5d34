import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessPolicyService } from './access-policy.service';
import { ApiTokensService } from './api-tokens.service';
import { AuthGuard } from './auth.guard';
import { AuthResolver } from './auth.resolver';
import { SubscriberAccess } from './subscriber-access';

/** Bearer API tokens: authentication for every GraphQL operation, roles, group scopes, and token management. */
@Global()
@Module({
  providers: [ApiTokensService, AccessPolicyService, SubscriberAccess, AuthResolver, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiTokensService, AccessPolicyService, SubscriberAccess],
})
export class AuthModule {}
