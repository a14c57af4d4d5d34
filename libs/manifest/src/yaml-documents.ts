import { parseAllDocuments } from 'yaml';
import { isJsonObject, type JsonObject, type JsonValue } from './json';
import { ManifestError } from './manifest-error';

/** One parsed YAML document with the line it starts on, for error messages. */
export interface YamlDocument {
  value: JsonValue;
  line: number;
}

/**
 * Parses a YAML stream (or JSON) into plain values, one per document; empty documents are
 * skipped. Syntax errors and duplicate keys throw a ManifestError with file and line.
 */
export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  const documents: YamlDocument[] = [];
  for (const document of parseAllDocuments(text, { schema: 'core', uniqueKeys: true, prettyErrors: false })) {
    const error = document.errors[0];
    if (error) throw new ManifestError(file, `invalid YAML: ${error.message.split('\n')[0]}`, lineOf(error.pos[0]));
    const start = document.contents?.range?.[0] ?? 0;
    let value: JsonValue | undefined;
    try {
      value = document.toJS({ maxAliasCount: 100 }) as JsonValue | undefined;
    } catch (cause) {
      throw new ManifestError(file, `invalid YAML: ${cause instanceof Error ? cause.message : String(cause)}`, lineOf(start));
    }
    if (value === null || value === undefined) continue;
    documents.push({ value: normaliseNumbers(value, file, lineOf(start)), line: lineOf(start) });
  }
  return documents;
}

/** Parses a manifest file into objects: every document must be a mapping; `kind: *List` is expanded. */
export function parseManifestObjects(text: string, file: string): JsonObject[] {
  const objects: JsonObject[] = [];
  for (const document of parseYamlDocuments(text, file)) {
    if (!isJsonObject(document.value)) throw new ManifestError(file, 'document is not a mapping (a Kubernetes object)', document.line);
    const { kind, items } = document.value;
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) {
      for (const item of items) {
        if (!isJsonObject(item)) throw new ManifestError(file, `${kind} item is not a mapping`, document.line);
        objects.push(item);
      }
    } else {
      objects.push(document.value);
    }
  }
  return objects;
}

// JSON has no infinities or NaN and YAML dates stay strings under the core schema; reject what JSON cannot hold.
function normaliseNumbers(value: JsonValue, file: string, line: number): JsonValue {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ManifestError(file, `number ${value} cannot be represented in JSON`, line);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => normaliseNumbers(item, file, line));
  if (isJsonObject(value)) {
    for (const key of Object.keys(value)) value[key] = normaliseNumbers(value[key], file, line);
  }
  return value;
}
