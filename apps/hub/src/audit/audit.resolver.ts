import { Args, Query, Resolver } from '@nestjs/graphql';
import { connectionComplexity } from '../common/pagination';
import { AuditEntryConnection, AuditLogArgs } from './audit-entry.dto';
import { AuditService } from './audit.service';

@Resolver()
export class AuditResolver {
  constructor(private readonly auditService: AuditService) {}

  @Query(() => AuditEntryConnection, { description: 'The audit log, newest first', complexity: connectionComplexity })
  auditLog(@Args() { first, after, ...filter }: AuditLogArgs) {
    return this.auditService.list(filter, { first, after });
  }
}
