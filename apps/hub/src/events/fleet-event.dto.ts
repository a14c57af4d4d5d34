import { ArgsType, Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { fleetEventTypes } from '@capstan/persistence';
import { GraphQLJSONObject } from 'graphql-type-json';
import { ConnectionType, PageArgs } from '../common/pagination';

@ObjectType('FleetEvent', { description: 'Something that happened on a cluster or to a rollout: drift, a heal instruction, a heal result, a live checksum that did not match, a rollout step' })
export class FleetEventDto {
  @Field(() => ID)
  id: string;

  @Field(() => GraphQLISODateTime)
  occurredAt: Date;

  @Field({ description: fleetEventTypes.join(', ') })
  type: string;

  @Field(() => String, { nullable: true, description: 'The cluster it happened on; null for what concerns a whole rollout' })
  cluster: string | null;

  @Field(() => String, { nullable: true })
  application: string | null;

  @Field(() => ID, { nullable: true, description: 'The drift it belongs to: its detection, instruction and heal share it' })
  drift: string | null;

  @Field(() => ID, { nullable: true, description: 'The rollout (of an application or a policy) it belongs to' })
  rollout: string | null;

  @Field({ description: 'Kind/namespace/name of the object concerned, or the rollout stage; empty when none is' })
  subject: string;

  @Field(() => GraphQLJSONObject)
  details: Record<string, unknown>;
}

export const FleetEventConnection = ConnectionType(FleetEventDto, 'FleetEvent');

@ArgsType()
export class FleetEventsArgs extends PageArgs {
  @Field({ nullable: true })
  @IsOptional()
  cluster?: string;

  @Field({ nullable: true })
  @IsOptional()
  application?: string;

  @Field({ nullable: true, description: fleetEventTypes.join(', ') })
  @IsOptional()
  @IsIn(fleetEventTypes)
  type?: string;

  @Field(() => ID, { nullable: true, description: "One drift's cycle: detected, instructed, healed" })
  @IsOptional()
  @IsUUID()
  drift?: string;

  @Field(() => ID, { nullable: true, description: "One rollout's steps (of an application or a policy)" })
  @IsOptional()
  @IsUUID()
  rollout?: string;
}
