/*
 * The objects that install Capstan's agent in one cluster, pure: namespace, service account, the
 * Secret holding the bootstrap token and the hub's public files, RBAC (everything, or narrowed to
 * listed namespaces), default-deny network policies with the agent's egress, and its Deployment.
 */
export { type AgentInstallOptions, type AgentAccess, type AgentAccessRule, AgentInstallError, defaultAgentNamespace } from './agent-install-options';
export { agentInstallManifests, agentInstallYaml, agentHealthPort, agentLabels, clusterAnnotation, hubFilesDirectory, type KubeObject } from './agent-install';
export { agentName, agentStateRoleName } from './agent-rbac';
