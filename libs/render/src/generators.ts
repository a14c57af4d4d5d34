import { isJsonObject, type JsonObject } from '@capstan/manifest';
import type { GeneratorEntry, GeneratorOptions, Kustomization } from './kustomization';
import { readKustomizationFile } from './paths';
import { RenderError } from './render-error';
import type { RenderFs } from './render-fs';
import { appendResources, Resource, sameIdentity } from './resource';

/** Runs `configMapGenerator` and `secretGenerator`: creates, or merges into / replaces earlier objects. */
export function runGenerators(fs: RenderFs, kustomization: Kustomization, resources: Resource[]): void {
  for (const entry of kustomization.generators) {
    const options = mergeOptions(kustomization.generatorOptions, entry.options);
    const generated = new Resource(generate(fs, kustomization, entry, options), `${kustomization.file} (${entry.field})`, options.disableNameSuffixHash !== true);
    const existing = resources.filter((resource) => resource.allIds.some((id) => sameIdentity(id, generated.id)));
    if (entry.behavior === 'create') {
      if (existing.length > 0) throw new RenderError(kustomization.file, `${entry.field}.name`, `${generated.label} already exists; use behavior merge or replace`);
      appendResources(resources, [generated]);
      continue;
    }
    if (existing.length !== 1) throw new RenderError(kustomization.file, `${entry.field}.behavior`, `${generated.label} does not exist; cannot ${entry.behavior} it`);
    mergeGenerated(existing[0], generated.object, entry.behavior);
    // Either side disabling the hash suffix disables it, as kustomize merges generator options.
    existing[0].hashSuffix &&= generated.hashSuffix;
  }
}

// Per-generator options override the kustomization-wide generatorOptions; label and annotation maps merge.
function mergeOptions(global: GeneratorOptions | undefined, local: GeneratorOptions | undefined): GeneratorOptions {
  return {
    labels: { ...global?.labels, ...local?.labels },
    annotations: { ...global?.annotations, ...local?.annotations },
    disableNameSuffixHash: local?.disableNameSuffixHash ?? global?.disableNameSuffixHash,
    immutable: local?.immutable ?? global?.immutable,
  };
}

function generate(fs: RenderFs, kustomization: Kustomization, entry: GeneratorEntry, options: GeneratorOptions): JsonObject {
  const data: Record<string, string> = {};
  const add = (key: string, value: string, field: string) => {
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) throw new RenderError(kustomization.file, field, `${JSON.stringify(key)} is not a valid ${entry.kind} key`);
    if (key in data) throw new RenderError(kustomization.file, field, `key ${JSON.stringify(key)} is already set`);
    data[key] = value;
  };
  entry.literals.forEach((literal, index) => {
    const field = `${entry.field}.literals[${index}]`;
    const equals = literal.indexOf('=');
    if (equals <= 0) throw new RenderError(kustomization.file, field, `${JSON.stringify(literal)} is not key=value`);
    add(literal.slice(0, equals), withoutQuotes(literal.slice(equals + 1)), field);
  });
  entry.envs.forEach((envFile, index) => {
    const field = `${entry.field}.envs[${index}]`;
    const { path, text } = readKustomizationFile(fs, kustomization, envFile, field);
    text.split('\n').forEach((rawLine, lineIndex) => {
      const line = (lineIndex === 0 ? rawLine.replace(/^\uFEFF/, '') : rawLine).replace(/\r$/, '').replace(/^\s+/, '');
      if (line === '' || line.startsWith('#')) return;
      const equals = line.indexOf('=');
      if (equals < 0) throw new RenderError(`${path}:${lineIndex + 1}`, undefined, `${JSON.stringify(line)} has no '=': values from the environment are not supported`);
      const key = line.slice(0, equals);
      if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) throw new RenderError(`${path}:${lineIndex + 1}`, undefined, `${JSON.stringify(key)} is not a valid environment variable name`);
      add(key, line.slice(equals + 1), field);
    });
  });
  entry.files.forEach((source, index) => {
    const field = `${entry.field}.files[${index}]`;
    const equals = source.indexOf('=');
    const key = equals < 0 ? source.slice(source.lastIndexOf('/') + 1) : source.slice(0, equals);
    if (equals === 0) throw new RenderError(kustomization.file, field, `${JSON.stringify(source)} has an empty key`);
    add(key, readKustomizationFile(fs, kustomization, equals < 0 ? source : source.slice(equals + 1), field).text, field);
  });
  const metadata: JsonObject = { name: entry.name };
  if (entry.namespace) metadata.namespace = entry.namespace;
  if (Object.keys(options.labels ?? {}).length > 0) metadata.labels = { ...options.labels };
  if (Object.keys(options.annotations ?? {}).length > 0) metadata.annotations = { ...options.annotations };
  const object: JsonObject = { apiVersion: 'v1', kind: entry.kind, metadata };
  if (Object.keys(data).length > 0) {
    object.data = entry.kind === 'Secret' ? Object.fromEntries(Object.entries(data).map(([key, value]) => [key, kustomizeBase64(value)])) : data;
  }
  if (entry.kind === 'Secret') object.type = entry.type ?? 'Opaque';
  if (options.immutable) object.immutable = true;
  return object;
}

// kyaml's encodeBase64: long values are broken into 70-character lines, each ending in a newline.
function kustomizeBase64(value: string): string {
  const encoded = Buffer.from(value, 'utf8').toString('base64');
  const lineLength = 70;
  if (encoded.length < lineLength) return encoded;
  return (encoded.match(new RegExp(`.{1,${lineLength}}`, "g")) as string[]).map((line) => `${line}\n`).join('');
}

// kustomize strips one pair of matching surrounding quotes from a literal's value.
function withoutQuotes(value: string): string {
  if (value.length >= 2 && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")) return value.slice(1, -1);
  return value;
}

/** `behavior: merge|replace`: the new content takes the existing object's place, name and namespace. */
function mergeGenerated(existing: Resource, generated: JsonObject, behavior: 'merge' | 'replace'): void {
  const old = existing.object;
  const oldMetadata = existing.metadata;
  const newMetadata = generated.metadata as JsonObject;
  const mergedMap = (key: 'labels' | 'annotations') => ({ ...(isJsonObject(oldMetadata[key]) ? oldMetadata[key] : {}), ...(isJsonObject(newMetadata[key]) ? newMetadata[key] : {}) });
  const metadata: JsonObject = { ...oldMetadata, labels: mergedMap('labels'), annotations: mergedMap('annotations') };
  for (const key of ['labels', 'annotations'] as const) if (Object.keys(metadata[key] as JsonObject).length === 0) delete metadata[key];
  const merged: JsonObject = { ...(behavior === 'merge' ? old : {}), ...generated, metadata };
  if (behavior === 'merge') {
    const data = { ...(isJsonObject(old.data) ? old.data : {}), ...(isJsonObject(generated.data) ? generated.data : {}) };
    if (Object.keys(data).length > 0) merged.data = data;
  }
  existing.object = merged;
}
