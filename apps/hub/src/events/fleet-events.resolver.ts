import { Args, Query, Resolver } from '@nestjs/graphql';
import type { AccessScope } from '../auth/access-policy';
import { CurrentScope } from '../auth/access.decorator';
import { connectionComplexity } from '../common/pagination';
import { FleetEventConnection, FleetEventsArgs } from './fleet-event.dto';
import { FleetEventsService } from './fleet-events.service';

@Resolver()
export class FleetEventsResolver {
  constructor(private readonly fleetEvents: FleetEventsService) {}

  @Query(() => FleetEventConnection, { description: 'What happened on the fleet (on the clusters the caller may see), newest first: drift, heal instructions and results, checksum mismatches', complexity: connectionComplexity })
  events(@CurrentScope() scope: AccessScope, @Args() { first, after, ...filter }: FleetEventsArgs) {
    return this.fleetEvents.list(filter, { first, after }, scope);
  }
}
