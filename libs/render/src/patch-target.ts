import { matchesLabelSelector, parseLabelSelector, type LabelSelector, type ObjectIdentity } from '@capstan/manifest';
import type { PatchTarget } from './kustomization';
import { RenderError } from './render-error';
import type { Resource } from './resource';

/** A compiled patch target: kustomize matches group, version, kind, name and namespace as anchored regexes. */
export interface TargetMatcher {
  matches(resource: Resource): boolean;
}

/** Compiles `target` (declared at `file`/`field`); a bad regex or selector is an error naming the field. */
export function compileTarget(target: PatchTarget, file: string, field: string): TargetMatcher {
  const regex = (key: keyof PatchTarget) => {
    const pattern = target[key];
    if (pattern === undefined) return null;
    try {
      return new RegExp(`^(?:${pattern})$`);
    } catch (error) {
      throw new RenderError(file, `${field}.${key}`, `invalid regular expression: ${(error as Error).message}`);
    }
  };
  const selector = (key: 'labelSelector' | 'annotationSelector'): LabelSelector | null => {
    const text = target[key];
    if (text === undefined) return null;
    try {
      return parseLabelSelector(text);
    } catch (error) {
      throw new RenderError(file, `${field}.${key}`, (error as Error).message);
    }
  };
  const [group, version, kind, name, namespace] = (['group', 'version', 'kind', 'name', 'namespace'] as const).map(regex);
  const labels = selector('labelSelector');
  const annotations = selector('annotationSelector');
  // Cluster-scoped objects have no namespace to match; others default to "default".
  const effectiveNamespace = (resource: Resource, id: ObjectIdentity) => (resource.isClusterScoped ? '' : id.namespace || 'default');
  return {
    matches(resource) {
      const current = resource.id;
      const original = resource.originalId;
      if (namespace && !namespace.test(effectiveNamespace(resource, original)) && !namespace.test(effectiveNamespace(resource, current))) return false;
      if (name && !name.test(original.name) && !name.test(current.name)) return false;
      if (group && !group.test(current.group)) return false;
      if (version && !version.test(current.version)) return false;
      if (kind && !kind.test(current.kind)) return false;
      if (labels && !matchesLabelSelector(labels, resource.stringMap('labels'))) return false;
      if (annotations && !matchesLabelSelector(annotations, resource.stringMap('annotations'))) return false;
      return true;
    },
  };
}

