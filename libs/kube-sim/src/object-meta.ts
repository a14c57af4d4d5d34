/** Small accessors for `metadata` of stored objects, and the server's clock and identifiers. */
import { randomUUID } from 'node:crypto';
import { isPlainObject, type JsonObject } from './json';

/** The metadata of an object (an empty object when it has none). */
export function metadataOf(object: JsonObject): JsonObject {
  return isPlainObject(object.metadata) ? object.metadata : {};
}

/** `metadata.name`, or '' when unset. */
export function nameOf(object: JsonObject): string {
  const name = metadataOf(object).name;
  return typeof name === 'string' ? name : '';
}

/** `metadata.namespace`, or '' when unset. */
export function namespaceOf(object: JsonObject): string {
  const namespace = metadataOf(object).namespace;
  return typeof namespace === 'string' ? namespace : '';
}

/** `metadata.finalizers`, or []. */
export function finalizersOf(object: JsonObject): string[] {
  const finalizers = metadataOf(object).finalizers;
  return Array.isArray(finalizers) ? finalizers.filter((finalizer): finalizer is string => typeof finalizer === 'string') : [];
}

/** Now as the API server writes times: RFC 3339 in whole seconds. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A fresh object uid. */
export function newUid(): string {
  return randomUUID();
}

const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` plus five random characters, as the API server's name generator makes them. */
export function generatedName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += generateNameAlphabet[Math.floor(Math.random() * generateNameAlphabet.length)];
  return `${prefix.slice(0, 58)}${suffix}`;
}
