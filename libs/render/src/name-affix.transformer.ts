import type { Resource } from './resource';

// Kinds whose names kustomize never prefixes: their names are API-defined or global.
const unprefixedKinds = new Set(['Namespace', 'CustomResourceDefinition', 'APIService']);

/** Applies `namePrefix` and `nameSuffix` to every object's name (references are fixed at the end). */
export function applyNameAffixes(prefix: string, suffix: string, resources: readonly Resource[]): void {
  if (!prefix && !suffix) return;
  for (const resource of resources) {
    if (unprefixedKinds.has(resource.originalId.kind)) continue;
    resource.setName(`${prefix}${resource.id.name}${suffix}`);
  }
}
