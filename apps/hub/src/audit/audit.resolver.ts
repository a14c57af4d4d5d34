import { Args, Query, Resolver } from '@nestjs/graphql';
import type { AccessScope } from '../auth/access-policy';
import { CurrentScope } from '../auth/access.decorator';
import { connectionComplexity } from '../common/pagination';
import { AuditEntryConnection, AuditLogArgs } from './audit-entry.dto';
import { AuditService } from './audit.service';

@Resolver()
export class AuditResolver {
  constructor(private readonly auditService: AuditService) {}

  @Query(() => AuditEntryConnection, { description: 'The audit log, newest first; a caller limited to cluster groups sees the entries about its clusters and groups, and its own', complexity: connectionComplexity })
  auditLog(@CurrentScope() scope: AccessScope, @Args() { first, after, ...filter }: AuditLogArgs) {
    return this.auditService.list(filter, { first, after }, scope);
  }
}
