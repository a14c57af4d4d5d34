/** A JSON value, as manifests hold them once parsed. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object; Kubernetes manifests are these at the top level. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a JSON value. */
export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}
