import { Module } from '@nestjs/common';
import { DesiredStatesModule } from '../desired-states/desired-states.module';
import { GroupsModule } from '../groups/groups.module';
import { ApplicationRenderer } from './application-renderer';
import { RenderPipelineService } from './render-pipeline.service';
import { PoliciesModule } from '../policies/policies.module';
import { RolloutsModule } from '../rollouts/rollouts.module';

/** From a commit to revisions: rendering per target and cluster, bundles by digest. */
@Module({ imports: [GroupsModule, DesiredStatesModule, RolloutsModule, PoliciesModule], providers: [ApplicationRenderer, RenderPipelineService], exports: [ApplicationRenderer, RenderPipelineService] })
export class RenderingModule {}
