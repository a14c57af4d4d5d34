import type { JsonObject } from '@capstan/manifest';
import { commonAnnotationFieldSpecs, commonLabelFieldSpecs, fieldSpecApplies, templateLabelFieldSpecs, visitFieldSpec, type FieldSpec } from './field-specs';
import type { Kustomization } from './kustomization';
import type { Resource } from './resource';

/** Applies `labels`, then `commonLabels`, then `commonAnnotations`, in kustomize's order. */
export function applyLabelsAndAnnotations(kustomization: Kustomization, resources: readonly Resource[]): void {
  for (const entry of kustomization.labels) {
    const specs: FieldSpec[] = entry.includeSelectors
      ? [...commonLabelFieldSpecs]
      : [{ path: 'metadata/labels', create: true }, ...(entry.includeTemplates ? templateLabelFieldSpecs : [])];
    setPairs(resources, entry.pairs, specs);
  }
  setPairs(resources, kustomization.commonLabels, commonLabelFieldSpecs);
  setPairs(resources, kustomization.commonAnnotations, commonAnnotationFieldSpecs);
}

function setPairs(resources: readonly Resource[], pairs: Record<string, string>, specs: readonly FieldSpec[]): void {
  if (Object.keys(pairs).length === 0) return;
  for (const resource of resources) {
    const id = resource.id;
    for (const spec of specs) {
      if (!fieldSpecApplies(spec, id)) continue;
      visitFieldSpec(resource.object, spec, (parent, key) => {
        const current = parent[key];
        if (current === undefined || current === null) {
          if (!spec.create) return;
          parent[key] = {};
        }
        Object.assign(parent[key] as JsonObject, pairs);
      });
    }
  }
}
