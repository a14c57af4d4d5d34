import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module';
import { ClustersResolver } from './clusters.resolver';
import { ClustersService } from './clusters.service';

@Module({ imports: [GroupsModule], providers: [ClustersService, ClustersResolver], exports: [ClustersService] })
export class ClustersModule {}
