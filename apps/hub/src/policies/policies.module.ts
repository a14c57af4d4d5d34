import { Module } from '@nestjs/common';
import { PoliciesResolver } from './policies.resolver';
import { PoliciesService } from './policies.service';
import { PolicyGate } from './policy-gate';
import { PolicyImpactService } from './policy-impact.service';

/** Fleet-wide policies: saved in versions, and judged on every bundle before it ships. */
@Module({ providers: [PoliciesService, PoliciesResolver, PolicyGate, PolicyImpactService], exports: [PoliciesService, PolicyGate] })
export class PoliciesModule {}
