/** The non-apply PATCH types: JSON merge patch, JSON patch and strategic merge patch. */
import { applyPatch, type Operation } from 'fast-json-patch';
import { StrategicMergeError, strategicMerge, type JsonObject as ManifestObject } from '@capstan/manifest';
import { badRequest, StatusError, unsupportedMediaType } from './errors';
import { clone, isPlainObject, type JsonObject } from './json';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const patchTypes: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

/** The patch type named by a request's Content-Type, 415 for any other. */
export function patchTypeOf(contentType: string): PatchType {
  const type = patchTypes[contentType.split(';')[0].trim().toLowerCase()];
  if (!type) throw unsupportedMediaType(contentType);
  return type;
}

/** RFC 7386: objects merge, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

// The API server answers patch application failures with 422 and the patch library's words.
function unprocessable(message: string): StatusError {
  return new StatusError(422, 'Invalid', message);
}

/** Applies a merge, JSON or strategic merge patch to `original` (not modified). */
export function applyNonApplyPatch(original: JsonObject, type: Exclude<PatchType, 'apply'>, patch: unknown, isCustomResource: boolean): JsonObject {
  switch (type) {
    case 'merge':
      if (!isPlainObject(patch)) throw badRequest('the patch must be a JSON object');
      return mergePatch(original, patch) as JsonObject;
    case 'json': {
      if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
      try {
        return applyPatch(clone(original), patch as Operation[], true, false).newDocument;
      } catch (error) {
        throw unprocessable(error instanceof Error ? error.message.split('\n')[0] : String(error));
      }
    }
    case 'strategic': {
      if (isCustomResource) throw new StatusError(415, 'UnsupportedMediaType', 'strategic merge patch is not supported for custom resources; use a merge patch or a JSON patch');
      if (!isPlainObject(patch)) throw badRequest('the patch must be a JSON object');
      try {
        return (strategicMerge(original as ManifestObject, patch as ManifestObject) ?? {}) as JsonObject;
      } catch (error) {
        if (error instanceof StrategicMergeError) throw unprocessable(error.message);
        throw error;
      }
    }
  }
}
