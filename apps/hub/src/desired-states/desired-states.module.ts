import { Module } from '@nestjs/common';
import { ClusterDesiredStateResolver } from './desired-states.resolver';
import { DesiredStatesService } from './desired-states.service';

/** What every cluster should run of every application: one record per (cluster, application), written and read here. */
@Module({ providers: [DesiredStatesService, ClusterDesiredStateResolver], exports: [DesiredStatesService] })
export class DesiredStatesModule {}
