import { Module } from '@nestjs/common';
import { DesiredStatesModule } from '../desired-states/desired-states.module';
import { GroupsModule } from '../groups/groups.module';
import { ApplicationRenderer } from './application-renderer';
import { RenderPipelineService } from './render-pipeline.service';
import { RolloutsModule } from '../rollouts/rollouts.module';

/** From a commit to revisions: rendering per target and cluster, bundles by digest. */
@Module({ imports: [GroupsModule, DesiredStatesModule, RolloutsModule], providers: [ApplicationRenderer, RenderPipelineService], exports: [ApplicationRenderer, RenderPipelineService] })
export class RenderingModule {}
