import type { JsonObject } from '@capstan/manifest';
import type { ResolvedAgentInstallOptions } from './agent-install-options';

/** What each agent install object is named and labelled with; `metadata` for one in `namespace` (cluster-scoped without). */
export type ObjectMetadata = (name: string, namespace?: string) => JsonObject;

export const agentName = 'capstan-agent';
/** The Role in the agent's namespace for what the agent keeps there. */
export const agentStateRoleName = 'capstan-agent-state';

const managingVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const readingVerbs = ['get', 'list', 'watch'];

/**
 * The agent's RBAC, in apply order. By default a ClusterRole granting every verb on every resource:
 * that is what lets the agent apply whatever applications deliver, CRDs, namespaces and RBAC
 * included. With `access`, a Role per listed namespace instead, and cluster-wide only what the
 * agent cannot work without.
 */
export function agentRbac(options: ResolvedAgentInstallOptions, metadata: ObjectMetadata): JsonObject[] {
  const subjects = [{ kind: 'ServiceAccount', name: agentName, namespace: options.namespace }];
  const clusterRules = options.access ? workingClusterRules(options.namespace) : [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
  const accessRules = (options.access?.rules ?? []).map((rule) => ({ apiGroups: rule.apiGroups, resources: rule.resources, verbs: managingVerbs }));
  const namespaces = options.access?.namespaces ?? [];
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: metadata(agentName), rules: clusterRules },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: metadata(agentName), roleRef: roleRef('ClusterRole', agentName), subjects },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: metadata(agentStateRoleName, options.namespace), rules: stateRules() },
    ...namespaces.map((namespace) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: metadata(agentName, namespace), rules: accessRules })),
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: metadata(agentStateRoleName, options.namespace), roleRef: roleRef('Role', agentStateRoleName), subjects },
    ...namespaces.map((namespace) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: metadata(agentName, namespace), roleRef: roleRef('Role', agentName), subjects })),
  ];
}

function roleRef(kind: 'ClusterRole' | 'Role', name: string): JsonObject {
  return { apiGroup: 'rbac.authorization.k8s.io', kind, name };
}

// Staged apply waits for namespaces and CRDs by reading them, and the agent declares its own namespace at start.
function workingClusterRules(namespace: string): JsonObject[] {
  return [
    { apiGroups: [''], resources: ['namespaces'], verbs: readingVerbs },
    { apiGroups: [''], resources: ['namespaces'], resourceNames: [namespace], verbs: ['patch'] },
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: readingVerbs },
  ];
}

/*
 * In its namespace the agent keeps Secrets: its credential (in the install's Secret, read and
 * written back after registration) and per application an inventory and the last desired state.
 * Those are named after applications, which RBAC cannot name ahead, so the rule covers Secrets.
 */
function stateRules(): JsonObject[] {
  return [{ apiGroups: [''], resources: ['secrets'], verbs: managingVerbs }];
}
