import { ArgsType, Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-type-json';
import { ConnectionType, PageArgs } from '../common/pagination';

@ObjectType('AuditEntry', { description: 'Who changed what, when and why' })
export class AuditEntryDto {
  @Field(() => ID)
  id: string;

  @Field(() => GraphQLISODateTime)
  at: Date;

  @Field({ description: 'e.g. token/admin, or system' })
  actor: string;

  @Field({ description: 'e.g. cluster.create, group.update, token.revoke' })
  action: string;

  @Field()
  targetType: string;

  @Field()
  targetName: string;

  @Field(() => GraphQLJSONObject, { description: 'What changed' })
  summary: Record<string, unknown>;

  @Field(() => String, { nullable: true })
  reason: string | null;
}

export const AuditEntryConnection = ConnectionType(AuditEntryDto, 'AuditEntry');

@ArgsType()
export class AuditLogArgs extends PageArgs {
  @Field({ nullable: true })
  @IsOptional()
  actor?: string;

  @Field({ nullable: true })
  @IsOptional()
  action?: string;

  @Field({ nullable: true })
  @IsOptional()
  targetType?: string;

  @Field({ nullable: true })
  @IsOptional()
  targetName?: string;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Entries at or after this time' })
  @IsOptional()
  since?: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Entries before this time' })
  @IsOptional()
  until?: Date;
}
