import { createHash } from 'node:crypto';
import { isJsonObject, type JsonValue } from './json';

/** JSON with object keys sorted (by UTF-16 code units) and no whitespace: equal values give equal text. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:<hex>` of a text, the content digest format used across Capstan. */
export function sha256Digest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The content digest of a value: sha256 over its canonical JSON. */
export function contentDigest(value: JsonValue): string {
  return sha256Digest(canonicalJson(value));
}
