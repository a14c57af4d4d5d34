import { Global, Module } from '@nestjs/common';
import { FleetEventsResolver } from './fleet-events.resolver';
import { FleetEventsService } from './fleet-events.service';

/** The fleet's event stream: every module that observes clusters records through FleetEventsService. */
@Global()
@Module({ providers: [FleetEventsService, FleetEventsResolver], exports: [FleetEventsService] })
export class FleetEventsModule {}
