import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiTokensService } from './api-tokens.service';
import { AuthGuard } from './auth.guard';
import { AuthResolver } from './auth.resolver';

/** Bearer API tokens: authentication for every GraphQL operation, roles, and token management. */
@Module({
  providers: [ApiTokensService, AuthResolver, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiTokensService],
})
export class AuthModule {}
