import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module';
import { ComplianceResolver } from './compliance.resolver';
import { ComplianceService } from './compliance.service';
import { PoliciesResolver } from './policies.resolver';
import { PoliciesService } from './policies.service';
import { PolicyGate } from './policy-gate';
import { PolicyImpactService } from './policy-impact.service';
import { PolicyRolloutsResolver } from './policy-rollouts.resolver';
import { PolicyRolloutsService } from './policy-rollouts.service';

/** Fleet-wide policies: saved in versions, rolled out audit → enforce in stages, judged on every bundle before it ships, and on live clusters by their agents (compliance). */
@Module({
  imports: [GroupsModule],
  providers: [PoliciesService, PoliciesResolver, PolicyGate, PolicyImpactService, ComplianceService, ComplianceResolver, PolicyRolloutsService, PolicyRolloutsResolver],
  exports: [PoliciesService, PolicyGate, ComplianceService],
})
export class PoliciesModule {}
