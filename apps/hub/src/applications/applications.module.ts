import { Module } from '@nestjs/common';
import { DesiredStatesModule } from '../desired-states/desired-states.module';
import { RenderingModule } from '../rendering/rendering.module';
import { SourcesModule } from '../sources/sources.module';
import { ApplicationsResolver, RevisionFieldsResolver } from './applications.resolver';
import { ApplicationsService } from './applications.service';
import { RevisionsResolver } from './revisions.resolver';
import { RevisionsService } from './revisions.service';

@Module({
  imports: [SourcesModule, RenderingModule, DesiredStatesModule],
  providers: [ApplicationsService, ApplicationsResolver, RevisionFieldsResolver, RevisionsService, RevisionsResolver],
  exports: [ApplicationsService],
})
export class ApplicationsModule {}
