import { ManifestError, parseManifestObjects, type JsonObject } from '@capstan/manifest';
import { runGenerators } from './generators';
import { addHashSuffixes } from './hash-suffix';
import { applyImages } from './images.transformer';
import { findKustomizationFile, readKustomization, type Kustomization } from './kustomization';
import { applyLabelsAndAnnotations } from './labels.transformer';
import { sortLegacy } from './legacy-order';
import { applyNameAffixes } from './name-affix.transformer';
import { fixNameReferences } from './name-references';
import { applyNamespace } from './namespace.transformer';
import { applyPatches } from './patch.transformer';
import { resolveFileInKustomization, resolveInRepository } from './paths';
import { RenderError } from './render-error';
import { repositoryPath, type RenderFs } from './render-fs';
import { appendResources, Resource } from './resource';
import { applyReplicas } from './replicas.transformer';

/**
 * Builds the kustomization in `dir` (a repository path) as `kustomize build` does, and returns
 * the objects in kustomize's output order. Pure: reads only through `fs`.
 */
export function buildKustomization(fs: RenderFs, dir: string): JsonObject[] {
  const root = repositoryPath(dir);
  if (root === null) throw new RenderError(dir, undefined, 'directory escapes the repository root');
  if (!fs.isDirectory(root)) throw new RenderError(dir || '.', undefined, 'is not a directory');
  const resources = new Builder(fs).build(root, 'Kustomization', [], []);
  addHashSuffixes(resources);
  fixNameReferences(resources);
  return sortLegacy(resources).map((resource) => resource.object);
}

class Builder {
  constructor(private readonly fs: RenderFs) {}

  /** Accumulates the kustomization (or component) at `dir` into `resources`, which it returns. */
  build(dir: string, expectedKind: Kustomization['kind'], resources: Resource[], chain: string[]): Resource[] {
    if (chain.includes(dir)) throw new RenderError(dir || '.', undefined, `cycle: ${[...chain, dir].join(' -> ')}`);
    const kustomization = readKustomization(this.fs, dir);
    if (kustomization.kind !== expectedKind) {
      throw new RenderError(kustomization.file, 'kind', `expected a ${expectedKind} here (referenced from ${chain[chain.length - 1] ?? 'the command line'}) but found a ${kustomization.kind}`);
    }
    const nextChain = [...chain, dir];
    kustomization.resources.forEach((path, index) => {
      appendResources(resources, this.loadResource(kustomization, path, `resources[${index}]`, nextChain));
    });
    runGenerators(this.fs, kustomization, resources);
    kustomization.components.forEach((path, index) => {
      const componentDir = resolveInRepository(kustomization, path, `components[${index}]`);
      if (!this.fs.isDirectory(componentDir)) throw new RenderError(kustomization.file, `components[${index}]`, `${JSON.stringify(path)} is not a directory`);
      resources = this.build(componentDir, 'Component', resources, nextChain);
    });
    return this.transform(kustomization, resources);
  }

  private loadResource(kustomization: Kustomization, path: string, field: string, chain: string[]): Resource[] {
    const target = resolveInRepository(kustomization, path, field);
    if (this.fs.isDirectory(target)) {
      if (findKustomizationFile(this.fs, target) === null) throw new RenderError(kustomization.file, field, `directory ${JSON.stringify(path)} has no kustomization file`);
      return this.build(target, 'Kustomization', [], chain);
    }
    const file = resolveFileInKustomization(kustomization, path, field);
    let text: string;
    try {
      text = this.fs.readFile(file);
    } catch {
      throw new RenderError(kustomization.file, field, `${JSON.stringify(path)} does not exist (${file})`);
    }
    try {
      return parseManifestObjects(text, file).map((object) => {
        checkObject(object, file);
        return new Resource(object, file);
      });
    } catch (error) {
      if (error instanceof ManifestError) throw new RenderError(error.line === undefined ? error.file : `${error.file}:${error.line}`, undefined, error.reason);
      throw error;
    }
  }

  // kustomize's transformer order within one kustomization.
  private transform(kustomization: Kustomization, accumulated: Resource[]): Resource[] {
    let resources = applyPatches(this.fs, kustomization, accumulated, 'beforeTransformers');
    applyNamespace(kustomization.namespace, resources);
    applyNameAffixes(kustomization.namePrefix, kustomization.nameSuffix, resources);
    applyLabelsAndAnnotations(kustomization, resources);
    resources = applyPatches(this.fs, kustomization, resources, 'afterLabels');
    applyReplicas(kustomization, resources);
    applyImages(kustomization.images, resources);
    return resources;
  }
}

function checkObject(object: JsonObject, file: string): void {
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof object[field] !== 'string' || object[field] === '') throw new RenderError(file, field, 'every object needs a non-empty string apiVersion and kind');
  }
  const metadata = object.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new RenderError(file, 'metadata.name', `${object.kind} has no name`);
  }
}
