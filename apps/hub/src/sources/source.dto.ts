import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { type SourceAuthKind, sourceAuthKinds } from '@capstan/persistence';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { ConnectionType } from '../common/pagination';
import { IsGitRef, IsGitUrl, IsRepositoryPath, IsResourceName, Omittable } from '../common/validators';

export enum SourceAuthKindValue {
  none = 'none',
  httpsToken = 'https-token',
  sshKey = 'ssh-key',
}
registerEnumType(SourceAuthKindValue, { name: 'SourceAuthKind', description: 'none, https-token (user name + token) or ssh-key (private key)' });

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

  @Field(() => String, { nullable: true, description: 'Folder in the repository whose files are fleet-wide policies, kept in step with each commit; null: none' })
  policyPath: string | null;

  @Field(() => Int)
  pollIntervalSeconds: number;

  @Field()
  requireSignedCommits: boolean;

  @Field(() => String, { nullable: true, description: 'Public keys commits must be signed with (armoured GPG keys or SSH allowed-signers lines)' })
  signingKeys: string | null;

  @Field(() => SourceAuthKindValue)
  authKind: SourceAuthKind;

  @Field({ description: 'Whether push webhooks are accepted (a webhook secret is set)' })
  webhookEnabled: boolean;

  @Field(() => String, { nullable: true, description: 'The commit last fetched' })
  lastCommitSha: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  lastFetchedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last fetch, signature check or render failed' })
  lastError: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt: Date;
}

export const SourceConnection = ConnectionType(SourceDto, 'Source');

@InputType()
class SourceFieldsInput {
  @Field(() => SourceAuthKindValue, { nullable: true })
  @Omittable()
  @IsIn(sourceAuthKinds)
  authKind?: SourceAuthKind;

  @Field(() => String, { nullable: true, description: 'User name for https-token auth' })
  @IsOptional()
  @IsString()
  authUsername?: string | null;

  @Field(() => String, { nullable: true, description: 'The https token or SSH private key; stored sealed, never shown again' })
  @IsOptional()
  @IsString()
  authSecret?: string | null;

  @Field(() => String, { nullable: true, description: 'Shared secret of push webhooks; stored sealed, never shown again' })
  @IsOptional()
  @IsString()
  @MinLength(16)
  webhookSecret?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  signingKeys?: string | null;

  @Field({ nullable: true })
  @Omittable()
  @IsGitRef()
  ref?: string;

  @Field({ nullable: true })
  @Omittable()
  @IsRepositoryPath()
  path?: string;

  @Field(() => String, { nullable: true, description: 'Folder whose YAML or JSON files are fleet-wide policies (Capstan policies, or ValidatingAdmissionPolicies with their bindings); null: none' })
  @IsOptional()
  @IsRepositoryPath()
  policyPath?: string | null;

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

@ObjectType('SourceSync', { description: 'What fetching a source found' })
export class SourceSyncDto {
  @Field({ description: 'synced (a new commit was rendered), unchanged, or failed' })
  status: string;

  @Field(() => String, { nullable: true })
  commitSha: string | null;

  @Field(() => String, { nullable: true })
  error: string | null;
}
