import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { ConnectionType } from '../common/pagination';
import { IsGitRef, IsGitUrl, IsRepositoryPath, IsResourceName, Omittable } from '../common/validators';

@ObjectType('Source', { description: 'A git repository and the branch or tag to follow' })
export class SourceDto {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field()
  url: string;

  @Field({ description: 'Branch or tag' })
  ref: string;

  @Field({ description: 'Folder in the repository that application paths are relative to' })
  path: string;

  @Field(() => Int)
  pollIntervalSeconds: number;

  @Field()
  requireSignedCommits: boolean;

  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt: Date;
}

export const SourceConnection = ConnectionType(SourceDto, 'Source');

@InputType()
class SourceFieldsInput {
  @Field({ nullable: true })
  @Omittable()
  @IsGitRef()
  ref?: string;

  @Field({ nullable: true })
  @Omittable()
  @IsRepositoryPath()
  path?: string;

  @Field(() => Int, { nullable: true })
  @Omittable()
  @IsInt()
  @Min(5)
  @Max(86_400)
  pollIntervalSeconds?: number;

  @Field({ nullable: true })
  @Omittable()
  @IsBoolean()
  requireSignedCommits?: boolean;
}

@InputType()
export class CreateSourceInput extends SourceFieldsInput {
  @Field()
  @IsResourceName()
  name: string;

  @Field()
  @IsGitUrl()
  url: string;
}

@InputType({ description: 'Fields left out keep their value' })
export class UpdateSourceInput extends SourceFieldsInput {
  @Field()
  name: string;

  @Field({ nullable: true })
  @Omittable()
  @IsGitUrl()
  url?: string;
}
