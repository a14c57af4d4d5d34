import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { AccessScope } from './access-policy';
import type { AuthenticatedRequest } from './current-principal.decorator';

export const accessRuleKey = 'capstan:access-rule';

/**
 * What an operation concerns, as paths into its GraphQL arguments (`name`, `input.name`): the
 * auth guard hands it to the access policy, which reads the facts and decides. Mutations must
 * declare one; a scoped caller is refused a mutation that does not.
 */
export type AccessRule =
  | { concerns: 'cluster'; name: string }
  | { concerns: 'new-cluster'; input: string }
  | { concerns: 'relabelled-cluster'; input: string }
  | { concerns: 'group'; name: string; changes?: string; creating?: boolean }
  | { concerns: 'application'; name: string; targets?: string; creating?: boolean }
  | { concerns: 'rollout'; id: string }
  | { concerns: 'fleet'; what: string }
  | { concerns: 'token'; name: string; groupScope?: string; creating?: boolean };

const rule = (accessRule: AccessRule) => SetMetadata(accessRuleKey, accessRule);

/** Declarations of what an operation concerns, for the access policy (see auth/access-policy.ts). */
export const Access = {
  /** An existing cluster, named by the argument at `name`: out of scope it is NOT_FOUND. */
  cluster: (name: string) => rule({ concerns: 'cluster', name }),
  /** A cluster created or registered from `{ name, labels }` at `input`: it must land in scope. */
  newCluster: (input: string) => rule({ concerns: 'new-cluster', input }),
  /** An existing cluster given the labels of `{ name, labels }` at `input`: it must stay in scope. */
  relabelledCluster: (input: string) => rule({ concerns: 'relabelled-cluster', input }),
  /** A cluster group named at `name`; with `changes` (`{ selector, members }`), every cluster it would then hold must be in scope. */
  group: (name: string, changes?: string) => rule({ concerns: 'group', name, changes }),
  /** A new cluster group named at `name` with the `{ selector, members }` at `changes`: every cluster it would hold must be in scope. */
  newGroup: (name: string, changes: string) => rule({ concerns: 'group', name, changes, creating: true }),
  /** An application named at `name`, by the groups it targets now and those of `targets`. */
  application: (name: string, targets?: string) => rule({ concerns: 'application', name, targets }),
  /** A new application named at `name`, by the groups of `targets`. */
  newApplication: (name: string, targets: string) => rule({ concerns: 'application', name, targets, creating: true }),
  /** A rollout with the id at `id`: decided as its application is. */
  rollout: (id: string) => rule({ concerns: 'rollout', id }),
  /** Something every cluster shares (sources): only callers not limited to groups. */
  fleet: (what: string) => rule({ concerns: 'fleet', what }),
  /** An existing API token named at `name`, by the groups it is limited to. */
  token: (name: string) => rule({ concerns: 'token', name }),
  /** A new API token named at `name` limited to the groups at `groupScope`. */
  newToken: (name: string, groupScope: string) => rule({ concerns: 'token', name, groupScope, creating: true }),
};

/** The access scope the auth guard worked out for this request; lists and field resolvers filter by it. */
export const CurrentScope = createParamDecorator((_data: unknown, context: ExecutionContext): AccessScope => {
  const request = GqlExecutionContext.create(context).getContext<{ req: AuthenticatedRequest }>().req;
  if (!request.accessScope) throw new Error('CurrentScope used on a route the auth guard did not run for');
  return request.accessScope;
});
