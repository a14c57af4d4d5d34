import { Module } from '@nestjs/common';
import { RenderingModule } from '../rendering/rendering.module';
import { SourcesModule } from '../sources/sources.module';
import { ApplicationsResolver } from './applications.resolver';
import { ApplicationsService } from './applications.service';
import { RevisionsResolver } from './revisions.resolver';
import { RevisionsService } from './revisions.service';

@Module({
  imports: [SourcesModule, RenderingModule],
  providers: [ApplicationsService, ApplicationsResolver, RevisionsService, RevisionsResolver],
  exports: [ApplicationsService],
})
export class ApplicationsModule {}
