import { createHash } from 'node:crypto';
import { isJsonObject, type JsonValue } from '@capstan/manifest';
import type { Resource } from './resource';

/** Appends kustomize's content hash to generated ConfigMaps and Secrets (`name-<10 chars>`). */
export function addHashSuffixes(resources: readonly Resource[]): void {
  for (const resource of resources) {
    if (resource.hashSuffix) resource.setName(`${resource.id.name}-${kustomizeContentHash(resource.object)}`);
  }
}

/**
 * kustomize's hash of a ConfigMap or Secret: sha256 over Go's JSON of kind, type, data (and
 * binaryData / stringData), whose name field is always empty because kustomize looks it up
 * under a key that does not exist; the first 10 hex digits, with 0 1 3 a e remapped.
 */
export function kustomizeContentHash(object: Record<string, JsonValue>): string {
  const field = (key: string): JsonValue => (object[key] === undefined ? '' : object[key]);
  const encoded: Record<string, JsonValue> =
    object.kind === 'Secret' ? { kind: 'Secret', type: field('type'), name: '', data: field('data') } : { kind: object.kind ?? '', name: '', data: field('data') };
  const extra = object.kind === 'Secret' ? 'stringData' : 'binaryData';
  if (isJsonObject(object[extra])) encoded[extra] = object[extra];
  const hex = createHash('sha256').update(goJson(encoded)).digest('hex');
  return hex.slice(0, 10).replace(/[013ae]/g, (digit) => ({ '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' })[digit] as string);
}

// encoding/json: map keys sorted, HTML-sensitive characters and line separators escaped.
function goJson(value: JsonValue): string {
  const sorted = (item: JsonValue): JsonValue => {
    if (Array.isArray(item)) return item.map(sorted);
    if (isJsonObject(item)) return Object.fromEntries(Object.keys(item).sort().map((key) => [key, sorted(item[key])]));
    return item;
  };
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
