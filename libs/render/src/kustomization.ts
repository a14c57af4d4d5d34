import { isJsonObject, parseYamlDocuments, ManifestError, type JsonObject, type JsonValue } from '@capstan/manifest';
import { RenderError } from './render-error';
import type { RenderFs } from './render-fs';

/*
 * The kustomization file model: the fields this engine supports, read and validated so that
 * any field it does not support is an error naming the file and the field.
 */

/** Which objects a patch applies to; every given field must match (name etc. are anchored regexes). */
export interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** One patch: inline text or a file `path` (relative to the kustomization), its optional target. */
export interface PatchEntry {
  inline?: string;
  path?: string;
  field: string;
  target?: PatchTarget;
  allowNameChange: boolean;
  allowKindChange: boolean;
  /** Legacy `patchesJson6902` / `patchesStrategicMerge` entries must be of that kind. */
  expected?: 'json6902' | 'strategicMerge';
}

export interface LabelEntry {
  pairs: Record<string, string>;
  includeSelectors: boolean;
  includeTemplates: boolean;
}

export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

export interface ReplicaEntry {
  name: string;
  count: number;
}

export interface GeneratorOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  disableNameSuffixHash?: boolean;
  immutable?: boolean;
}

export interface GeneratorEntry {
  kind: 'ConfigMap' | 'Secret';
  field: string;
  name: string;
  namespace?: string;
  behavior: 'create' | 'merge' | 'replace';
  literals: string[];
  files: string[];
  envs: string[];
  type?: string;
  options?: GeneratorOptions;
}

export interface Kustomization {
  /** The kustomization file's repository path. */
  file: string;
  dir: string;
  kind: 'Kustomization' | 'Component';
  resources: string[];
  components: string[];
  patches: PatchEntry[];
  namePrefix: string;
  nameSuffix: string;
  namespace?: string;
  commonLabels: Record<string, string>;
  labels: LabelEntry[];
  commonAnnotations: Record<string, string>;
  images: ImageEntry[];
  replicas: ReplicaEntry[];
  generators: GeneratorEntry[];
  generatorOptions?: GeneratorOptions;
}

const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

// Fields kustomize knows but this engine does not render: rejected by name rather than ignored.
const unsupportedFields = new Set([
  'bases', 'buildMetadata', 'configurations', 'crds', 'generators', 'helmChartInflationGenerator', 'helmCharts',
  'helmGlobals', 'imageTags', 'inventory', 'openapi', 'replacements', 'sortOptions', 'transformers', 'validators', 'vars',
]);

/** The kustomization file name in `dir`, or null when there is none; more than one is an error. */
export function findKustomizationFile(fs: RenderFs, dir: string): string | null {
  const entries = new Set(fs.readDir(dir));
  const found = kustomizationFileNames.filter((name) => entries.has(name));
  if (found.length > 1) throw new RenderError(dir || '.', undefined, `found multiple kustomization files: ${found.join(', ')}`);
  return found.length === 0 ? null : joinPath(dir, found[0]);
}

/** Reads and validates the kustomization file of `dir`. */
export function readKustomization(fs: RenderFs, dir: string): Kustomization {
  const file = findKustomizationFile(fs, dir);
  if (!file) throw new RenderError(dir || '.', undefined, `no kustomization.yaml, kustomization.yml or Kustomization in directory`);
  let documents;
  try {
    documents = parseYamlDocuments(fs.readFile(file), file);
  } catch (error) {
    if (error instanceof ManifestError) throw new RenderError(error.line === undefined ? file : `${file}:${error.line}`, undefined, error.reason);
    throw error;
  }
  if (documents.length > 1) throw new RenderError(file, undefined, 'a kustomization file holds one YAML document');
  const root = documents[0]?.value ?? {};
  if (!isJsonObject(root)) throw new RenderError(file, undefined, 'a kustomization must be a mapping');
  return new KustomizationReader(file, dir).read(root);
}

/** Joins repository paths ('' is the root). */
export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

class KustomizationReader {
  constructor(
    private readonly file: string,
    private readonly dir: string,
  ) {}

  private fail(field: string, reason: string): never {
    throw new RenderError(this.file, field, reason);
  }

  read(root: JsonObject): Kustomization {
    const known = new Set([
      'apiVersion', 'kind', 'metadata', 'resources', 'components', 'patches', 'patchesStrategicMerge', 'patchesJson6902',
      'namePrefix', 'nameSuffix', 'namespace', 'commonLabels', 'labels', 'commonAnnotations', 'images', 'replicas',
      'configMapGenerator', 'secretGenerator', 'generatorOptions',
    ]);
    for (const field of Object.keys(root)) {
      if (unsupportedFields.has(field)) this.fail(field, 'is not supported by Capstan');
      if (!known.has(field)) this.fail(field, 'is not a known kustomization field');
    }
    const kind = root.kind ?? 'Kustomization';
    if (kind !== 'Kustomization' && kind !== 'Component') this.fail('kind', `must be Kustomization or Component, not ${JSON.stringify(kind)}`);
    const apiVersion = root.apiVersion;
    if (apiVersion !== undefined && (typeof apiVersion !== 'string' || !apiVersion.startsWith('kustomize.config.k8s.io/'))) {
      this.fail('apiVersion', `must be kustomize.config.k8s.io/v1beta1 (or v1alpha1 for components), not ${JSON.stringify(apiVersion)}`);
    }
    if (root.metadata !== undefined) this.object(root.metadata, 'metadata');
    const namespace = this.optionalString(root.namespace, 'namespace');
    return {
      file: this.file,
      dir: this.dir,
      kind,
      resources: this.stringList(root.resources, 'resources'),
      components: this.stringList(root.components, 'components'),
      patches: [
        ...this.list(root.patchesStrategicMerge, 'patchesStrategicMerge').map((entry, index) => this.legacyStrategicMerge(entry, `patchesStrategicMerge[${index}]`)),
        ...this.list(root.patches, 'patches').map((entry, index) => this.patch(entry, `patches[${index}]`)),
        ...this.list(root.patchesJson6902, 'patchesJson6902').map((entry, index) => this.legacyJson6902(entry, `patchesJson6902[${index}]`)),
      ],
      namePrefix: this.optionalString(root.namePrefix, 'namePrefix') ?? '',
      nameSuffix: this.optionalString(root.nameSuffix, 'nameSuffix') ?? '',
      ...(namespace ? { namespace } : {}),
      commonLabels: this.stringMap(root.commonLabels, 'commonLabels'),
      labels: this.list(root.labels, 'labels').map((entry, index) => this.labelEntry(entry, `labels[${index}]`)),
      commonAnnotations: this.stringMap(root.commonAnnotations, 'commonAnnotations'),
      images: this.list(root.images, 'images').map((entry, index) => this.image(entry, `images[${index}]`)),
      replicas: this.list(root.replicas, 'replicas').map((entry, index) => this.replica(entry, `replicas[${index}]`)),
      generators: [
        ...this.list(root.configMapGenerator, 'configMapGenerator').map((entry, index) => this.generator(entry, `configMapGenerator[${index}]`, 'ConfigMap')),
        ...this.list(root.secretGenerator, 'secretGenerator').map((entry, index) => this.generator(entry, `secretGenerator[${index}]`, 'Secret')),
      ],
      ...(root.generatorOptions === undefined ? {} : { generatorOptions: this.generatorOptions(root.generatorOptions, 'generatorOptions') }),
    };
  }

  private object(value: JsonValue | undefined, field: string, allowed?: readonly string[]): JsonObject {
    if (value === undefined || value === null) return {};
    if (!isJsonObject(value)) this.fail(field, 'must be a mapping');
    if (allowed) {
      for (const key of Object.keys(value)) if (!allowed.includes(key)) this.fail(`${field}.${key}`, 'is not supported');
    }
    return value;
  }

  private list(value: JsonValue | undefined, field: string): JsonValue[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(field, 'must be a list');
    return value;
  }

  private string(value: JsonValue | undefined, field: string): string {
    if (typeof value !== 'string' || value === '') this.fail(field, 'must be a non-empty string');
    return value;
  }

  private optionalString(value: JsonValue | undefined, field: string): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, field);
  }

  private boolean(value: JsonValue | undefined, field: string): boolean {
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') this.fail(field, 'must be true or false');
    return value;
  }

  private stringList(value: JsonValue | undefined, field: string): string[] {
    return this.list(value, field).map((item, index) => this.string(item, `${field}[${index}]`));
  }

  // Label and annotation values are strings; YAML numbers and booleans are accepted and written as text, as kustomize does.
  private stringMap(value: JsonValue | undefined, field: string): Record<string, string> {
    const map: Record<string, string> = {};
    for (const [key, item] of Object.entries(this.object(value, field))) {
      if (item === null || typeof item === 'object') this.fail(`${field}.${key}`, 'must be a string');
      map[key] = String(item);
    }
    return map;
  }

  private target(value: JsonValue | undefined, field: string): PatchTarget {
    const keys = ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'] as const;
    const object = this.object(value, field, keys);
    const target: PatchTarget = {};
    for (const key of keys) {
      const item = this.optionalString(object[key], `${field}.${key}`);
      if (item !== undefined) target[key] = item;
    }
    return target;
  }

  private patchText(entry: JsonObject, field: string): { inline: string } | { path: string } {
    const inline = this.optionalString(entry.patch, `${field}.patch`);
    const path = this.optionalString(entry.path, `${field}.path`);
    if (inline !== undefined && path !== undefined) this.fail(field, 'set either patch or path, not both');
    if (inline !== undefined) return { inline };
    if (path !== undefined) return { path };
    this.fail(field, 'must set patch or path');
  }

  private patch(value: JsonValue, field: string): PatchEntry {
    const entry = this.object(value, field, ['patch', 'path', 'target', 'options']);
    const options = this.object(entry.options, `${field}.options`, ['allowNameChange', 'allowKindChange']);
    return {
      ...this.patchText(entry, field),
      field,
      ...(entry.target === undefined ? {} : { target: this.target(entry.target, `${field}.target`) }),
      allowNameChange: this.boolean(options.allowNameChange, `${field}.options.allowNameChange`),
      allowKindChange: this.boolean(options.allowKindChange, `${field}.options.allowKindChange`),
    };
  }

  private legacyStrategicMerge(value: JsonValue, field: string): PatchEntry {
    const text = this.string(value, field);
    // kustomize accepts either a file path or the patch itself inline.
    const inline = text.includes('\n');
    return {
      ...(inline ? { inline: text } : { path: text }),
      field,
      allowNameChange: false,
      allowKindChange: false,
      expected: 'strategicMerge',
    };
  }

  private legacyJson6902(value: JsonValue, field: string): PatchEntry {
    const entry = this.object(value, field, ['patch', 'path', 'target']);
    if (entry.target === undefined) this.fail(`${field}.target`, 'is required');
    return { ...this.patchText(entry, field), field, target: this.target(entry.target, `${field}.target`), allowNameChange: false, allowKindChange: false, expected: 'json6902' };
  }

  private labelEntry(value: JsonValue, field: string): LabelEntry {
    const entry = this.object(value, field, ['pairs', 'includeSelectors', 'includeTemplates']);
    return {
      pairs: this.stringMap(entry.pairs, `${field}.pairs`),
      includeSelectors: this.boolean(entry.includeSelectors, `${field}.includeSelectors`),
      includeTemplates: this.boolean(entry.includeTemplates, `${field}.includeTemplates`),
    };
  }

  private image(value: JsonValue, field: string): ImageEntry {
    const entry = this.object(value, field, ['name', 'newName', 'newTag', 'digest']);
    const image: ImageEntry = { name: this.string(entry.name, `${field}.name`) };
    const newName = this.optionalString(entry.newName, `${field}.newName`);
    // A numeric tag written without quotes (newTag: 1.2) is still a tag.
    const newTag = typeof entry.newTag === 'number' ? String(entry.newTag) : this.optionalString(entry.newTag, `${field}.newTag`);
    const digest = this.optionalString(entry.digest, `${field}.digest`);
    if (newName !== undefined) image.newName = newName;
    if (newTag !== undefined) image.newTag = newTag;
    if (digest !== undefined) image.digest = digest;
    return image;
  }

  private replica(value: JsonValue, field: string): ReplicaEntry {
    const entry = this.object(value, field, ['name', 'count']);
    const count = entry.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) this.fail(`${field}.count`, 'must be a non-negative integer');
    return { name: this.string(entry.name, `${field}.name`), count };
  }

  private generatorOptions(value: JsonValue, field: string): GeneratorOptions {
    const entry = this.object(value, field, ['labels', 'annotations', 'disableNameSuffixHash', 'immutable']);
    const options: GeneratorOptions = {};
    if (entry.labels !== undefined) options.labels = this.stringMap(entry.labels, `${field}.labels`);
    if (entry.annotations !== undefined) options.annotations = this.stringMap(entry.annotations, `${field}.annotations`);
    if (entry.disableNameSuffixHash !== undefined) options.disableNameSuffixHash = this.boolean(entry.disableNameSuffixHash, `${field}.disableNameSuffixHash`);
    if (entry.immutable !== undefined) options.immutable = this.boolean(entry.immutable, `${field}.immutable`);
    return options;
  }

  private generator(value: JsonValue, field: string, kind: 'ConfigMap' | 'Secret'): GeneratorEntry {
    const allowed = ['name', 'namespace', 'behavior', 'literals', 'files', 'envs', 'env', 'options', ...(kind === 'Secret' ? ['type'] : [])];
    const entry = this.object(value, field, allowed);
    const behavior = entry.behavior ?? 'create';
    if (behavior !== 'create' && behavior !== 'merge' && behavior !== 'replace') this.fail(`${field}.behavior`, `must be create, merge or replace, not ${JSON.stringify(behavior)}`);
    const namespace = this.optionalString(entry.namespace, `${field}.namespace`);
    const type = this.optionalString(entry.type, `${field}.type`);
    const env = this.optionalString(entry.env, `${field}.env`);
    return {
      kind,
      field,
      name: this.string(entry.name, `${field}.name`),
      ...(namespace ? { namespace } : {}),
      behavior,
      literals: this.stringList(entry.literals, `${field}.literals`),
      files: this.stringList(entry.files, `${field}.files`),
      envs: [...(env ? [env] : []), ...this.stringList(entry.envs, `${field}.envs`)],
      ...(type ? { type } : {}),
      ...(entry.options === undefined ? {} : { options: this.generatorOptions(entry.options, `${field}.options`) }),
    };
  }
}
