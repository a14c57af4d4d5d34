import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module';
import { RenderingModule } from '../rendering/rendering.module';
import { SourceSyncService } from './source-sync.service';
import { SourcesResolver } from './sources.resolver';
import { SourcesService } from './sources.service';
import { WebhookController } from './webhook.controller';

/** Git sources: their settings, fetching on a poll interval or webhook, and commit signature checks. */
@Module({
  imports: [RenderingModule, PoliciesModule],
  controllers: [WebhookController],
  providers: [SourcesService, SourcesResolver, SourceSyncService],
  exports: [SourcesService, SourceSyncService],
})
export class SourcesModule {}
