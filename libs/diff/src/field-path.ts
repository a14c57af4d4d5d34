import { identityOf, isJsonObject, type JsonObject, type JsonValue, mergeRulesOf, rootMergeType } from '@capstan/manifest';
import type { PathSegment } from './managed-fields';

/** The tokens of a JSON pointer (`/spec/template/spec/containers/0/image`), unescaped. */
export function pointerTokens(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * The path of the field a JSON pointer names in a desired manifest, with list items named by
 * their merge key (as managed fields and live objects know them, whatever their order there);
 * null when the manifest has no such field.
 */
export function pathAt(desired: JsonObject, pointer: string): PathSegment[] | null {
  const path: PathSegment[] = [];
  let value: JsonValue | undefined = desired;
  let rules = mergeRulesOf(rootMergeType(identityOf(desired).kind));
  let rule: { mergeKey?: string; primitiveSet?: boolean; type?: string } | undefined;
  for (const token of pointerTokens(pointer)) {
    if (isJsonObject(value)) {
      rule = rules[token];
      value = value[token];
      path.push({ field: token });
      rules = mergeRulesOf(rule?.type);
    } else if (Array.isArray(value)) {
      const item: JsonValue | undefined = value[Number(token)];
      if (item === undefined) return null;
      if (rule?.mergeKey && isJsonObject(item)) path.push({ key: { [rule.mergeKey]: item[rule.mergeKey] } as JsonObject });
      else if (rule?.primitiveSet) path.push({ value: item });
      else path.push({ index: Number(token) });
      value = item;
      rule = undefined;
    } else {
      return null;
    }
    if (value === undefined) return null;
  }
  return path;
}

/** The value at `path` in a live object; undefined when it has none. */
export function valueAtPath(live: JsonValue, path: readonly PathSegment[]): JsonValue | undefined {
  let value: JsonValue | undefined = live;
  for (const segment of path) {
    if ('field' in segment) value = isJsonObject(value) ? value[segment.field] : undefined;
    else if (!Array.isArray(value)) return undefined;
    else if ('key' in segment) value = value.find((item) => isJsonObject(item) && Object.entries(segment.key).every(([key, keyValue]) => JSON.stringify(item[key]) === JSON.stringify(keyValue)));
    else if ('value' in segment) value = value.find((item) => JSON.stringify(item) === JSON.stringify(segment.value));
    else value = value[segment.index];
    if (value === undefined) return undefined;
  }
  return value;
}
