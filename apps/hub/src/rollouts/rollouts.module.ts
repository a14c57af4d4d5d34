import { Module } from '@nestjs/common';
import { AgentGatewayModule } from '../agent-gateway/agent-gateway.module';
import { DesiredStatesModule } from '../desired-states/desired-states.module';
import { RolloutsResolver } from './rollouts.resolver';
import { RolloutsService } from './rollouts.service';

/** Progressive rollouts: staged, health-gated, rolled back by themselves when a batch fails. */
@Module({
  imports: [AgentGatewayModule, DesiredStatesModule],
  providers: [RolloutsService, RolloutsResolver],
  exports: [RolloutsService],
})
export class RolloutsModule {}
