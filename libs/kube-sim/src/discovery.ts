/**
 * Legacy discovery documents (`/version`, `/api`, `/apis`, `/api/v1`, `/apis/{group}[/{version}]`).
 * Aggregated discovery is refused by answering plain `application/json`, which clients take as
 * their cue to fall back to these.
 */
import type { JsonObject } from './json';
import type { ResourceType, ResourceTypeRegistry } from './resource-types';

/** The Kubernetes version the simulator reports. */
export const simulatedKubernetesVersion = { major: '1', minor: '33', gitVersion: 'v1.33.0' } as const;

/** `/version`. */
export function versionInfo(): JsonObject {
  return {
    ...simulatedKubernetesVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-04-23T00:00:00Z',
    goVersion: 'go1.24.2',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/** `/api`. */
export function coreApiVersions(serverAddress: string): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupsOf(registry: ResourceTypeRegistry): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const type of registry.all()) {
    if (!type.group) continue;
    const versions = groups.get(type.group) ?? [];
    if (!versions.includes(type.version)) versions.push(type.version);
    groups.set(type.group, versions);
  }
  return groups;
}

// Kubernetes version priority: GA before beta before alpha, higher numbers first.
function versionRank(version: string): [number, number, number] {
  const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (!match) return [3, 0, 0];
  const stability = match[2] === 'alpha' ? 2 : match[2] === 'beta' ? 1 : 0;
  return [stability, -Number(match[1]), -Number(match[3] ?? 0)];
}

function sortVersions(versions: string[]): string[] {
  return [...versions].sort((a, b) => {
    const [x, y] = [versionRank(a), versionRank(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || a.localeCompare(b);
  });
}

function groupDocument(group: string, versions: string[]): JsonObject {
  const ordered = sortVersions(versions).map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: ordered, preferredVersion: ordered[0] };
}

/** `/apis`. */
export function apiGroupList(registry: ResourceTypeRegistry): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groupsOf(registry)].map(([group, versions]) => groupDocument(group, versions)) };
}

/** `/apis/{group}`, or undefined when the group is not served. */
export function apiGroup(registry: ResourceTypeRegistry, group: string): JsonObject | undefined {
  const versions = groupsOf(registry).get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group, versions) } : undefined;
}

const objectVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const subresourceVerbs = ['get', 'patch', 'update'];

function resourceEntries(type: ResourceType): JsonObject[] {
  const main: JsonObject = { name: type.resource, singularName: type.singular, namespaced: type.namespaced, kind: type.kind, verbs: objectVerbs };
  if (type.shortNames.length > 0) main.shortNames = type.shortNames;
  if (type.categories.length > 0) main.categories = type.categories;
  const entries = [main];
  if (type.statusSubresource) entries.push({ name: `${type.resource}/status`, singularName: '', namespaced: type.namespaced, kind: type.kind, verbs: subresourceVerbs });
  if (type.scale) entries.push({ name: `${type.resource}/scale`, singularName: '', namespaced: type.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: subresourceVerbs });
  return entries;
}

/** `/api/v1` or `/apis/{group}/{version}`, or undefined when that version is not served. */
export function apiResourceList(registry: ResourceTypeRegistry, group: string, version: string): JsonObject | undefined {
  const types = registry.groupVersion(group, version);
  if (!types) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: types.flatMap(resourceEntries) };
}
