import { Field, GraphQLISODateTime, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { type TokenRole, tokenRoles } from '@capstan/persistence';
import { ArrayUnique, IsIn, IsOptional } from 'class-validator';
import { ConnectionType } from '../common/pagination';
import { IsResourceName } from '../common/validators';

export enum Role {
  viewer = 'viewer',
  operator = 'operator',
  admin = 'admin',
}
registerEnumType(Role, { name: 'Role', description: 'viewer reads; operator also changes the fleet; admin also manages tokens' });

@ObjectType('ApiToken', { description: 'An API token; its secret is shown only when it is created' })
export class ApiTokenDto {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field(() => Role)
  role: TokenRole;

  @Field(() => [String], { nullable: true, description: 'Cluster groups the token may change; null means all' })
  groupScope: string[] | null;

  @Field()
  createdBy: string;

  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  revokedAt: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  lastUsedAt: Date | null;
}

export const ApiTokenConnection = ConnectionType(ApiTokenDto, 'ApiToken');

@ObjectType()
export class CreatedApiToken {
  @Field(() => ApiTokenDto)
  token: ApiTokenDto;

  @Field({ description: 'The bearer token; shown this once and never stored' })
  secret: string;
}

@InputType()
export class CreateApiTokenInput {
  @Field()
  @IsResourceName()
  name: string;

  @Field(() => Role)
  @IsIn(tokenRoles)
  role: TokenRole;

  @Field(() => [String], { nullable: true, description: 'Limit the token to these cluster groups' })
  @IsOptional()
  @ArrayUnique()
  groupScope?: string[] | null;
}
