import { applyPatch, getValueByPointer, validator, type Operation, type Validator } from 'fast-json-patch';
import {
  formatIdentity,
  identityOf,
  isJsonObject,
  ManifestError,
  parseYamlDocuments,
  strategicMerge,
  StrategicMergeError,
  type JsonObject,
} from '@capstan/manifest';
import type { Kustomization, PatchEntry } from './kustomization';
import { compileTarget } from './patch-target';
import { RenderError } from './render-error';
import { readKustomizationFile } from './paths';
import type { RenderFs } from './render-fs';
import { sameIdentity, type Resource } from './resource';

type ParsedPatch = { kind: 'strategicMerge'; documents: JsonObject[] } | { kind: 'json6902'; operations: Operation[] };

/** Which patches a pass applies: kustomize runs `patchesJson6902` after the labels, all others first. */
export type PatchPhase = 'beforeTransformers' | 'afterLabels';

/** Applies the kustomization's patches of one phase; returns the resources left (a patch may delete one). */
export function applyPatches(fs: RenderFs, kustomization: Kustomization, resources: Resource[], phase: PatchPhase): Resource[] {
  let current = resources;
  for (const entry of kustomization.patches) {
    if ((entry.expected === 'json6902') !== (phase === 'afterLabels')) continue;
    current = applyPatchEntry(fs, kustomization, entry, current);
  }
  return current;
}

function applyPatchEntry(fs: RenderFs, kustomization: Kustomization, entry: PatchEntry, resources: Resource[]): Resource[] {
  const { source, parsed } = loadPatch(fs, kustomization, entry);
  const fail = (reason: string, field = entry.field): never => {
    throw new RenderError(source, source === kustomization.file ? field : undefined, reason);
  };
  if (entry.expected && entry.expected !== parsed.kind) fail(`expected a ${entry.expected === 'json6902' ? 'JSON 6902' : 'strategic merge'} patch`);
  const selected = entry.target ? resources.filter(compileTarget(entry.target, kustomization.file, `${entry.field}.target`).matches) : null;
  if (parsed.kind === 'json6902') {
    if (!selected) fail('a JSON 6902 patch needs a target', `${entry.field}.target`);
    for (const resource of selected as Resource[]) {
      resource.rememberId();
      try {
        resource.object = applyPatch(structuredClone(resource.object), parsed.operations, kustomizeJsonPatchValidator, true).newDocument;
      } catch (error) {
        fail(`${resource.label}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    return resources;
  }
  const removed = new Set<Resource>();
  for (const document of parsed.documents) {
    let targets = selected;
    if (!targets) {
      const patchId = identityOf(document);
      targets = resources.filter((resource) => !removed.has(resource) && resource.allIds.some((id) => sameIdentity(id, patchId)));
      if (targets.length !== 1) fail(`${targets.length === 0 ? 'no object matches' : 'more than one object matches'} the patch for ${formatIdentity(patchId)} (${document.apiVersion})`);
    }
    for (const resource of targets) {
      if (removed.has(resource)) continue;
      const before = resource.id;
      let merged: JsonObject | null;
      try {
        merged = strategicMerge(resource.object, document, 'kustomize');
      } catch (error) {
        if (error instanceof StrategicMergeError) fail(`${resource.label}: ${error.message}`);
        throw error;
      }
      if (merged === null) {
        removed.add(resource);
        continue;
      }
      if (entry.allowNameChange || entry.allowKindChange) resource.rememberId();
      resource.object = merged;
      // The patch addresses the object; only with the options may it rename it or change its kind.
      if (!entry.allowKindChange) merged.kind = before.kind;
      const metadata = isJsonObject(merged.metadata) ? merged.metadata : (merged.metadata = {});
      if (!entry.allowNameChange) metadata.name = before.name;
      if (before.namespace) metadata.namespace = before.namespace;
      else delete metadata.namespace;
    }
  }
  return resources.filter((resource) => !removed.has(resource));
}

// kustomize's JSON patch library lets `replace` set a missing key of an existing object (like `add`).
const kustomizeJsonPatchValidator: Validator<JsonObject> = (operation, index, document, existingPathFragment) => {
  if (operation.op === 'replace' && existingPathFragment === operation.path.slice(0, operation.path.lastIndexOf('/'))) {
    const parent: unknown = getValueByPointer(document, existingPathFragment);
    if (typeof parent === 'object' && parent !== null && !Array.isArray(parent)) return;
  }
  validator(operation, index, document, existingPathFragment);
};

function loadPatch(fs: RenderFs, kustomization: Kustomization, entry: PatchEntry): { source: string; parsed: ParsedPatch } {
  const file = entry.path === undefined ? null : readKustomizationFile(fs, kustomization, entry.path, `${entry.field}${entry.expected === 'strategicMerge' ? '' : '.path'}`);
  const source = file?.path ?? kustomization.file;
  const text = file?.text ?? entry.inline ?? '';
  let documents;
  try {
    documents = parseYamlDocuments(text, source);
  } catch (error) {
    if (error instanceof ManifestError) {
      throw new RenderError(source, entry.path === undefined ? entry.field : undefined, `${error.reason}${error.line === undefined ? '' : ` (line ${error.line} of the patch)`}`);
    }
    throw error;
  }
  const fail = (reason: string): never => {
    throw new RenderError(source, entry.path === undefined ? entry.field : undefined, reason);
  };
  if (documents.length === 1 && Array.isArray(documents[0].value)) {
    const operations = documents[0].value.map((operation, index) => {
      if (!isJsonObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
        fail(`JSON 6902 operation ${index} must be a mapping with 'op' and 'path'`);
      }
      return operation as unknown as Operation;
    });
    return { source, parsed: { kind: 'json6902', operations } };
  }
  if (documents.length === 0) fail('the patch is empty');
  return {
    source,
    parsed: {
      kind: 'strategicMerge',
      documents: documents.map((document) => {
        if (!isJsonObject(document.value)) fail(`patch document at line ${document.line} is neither a mapping nor a JSON 6902 list`);
        return document.value as JsonObject;
      }),
    },
  };
}
