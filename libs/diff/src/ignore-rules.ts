import { identityOf, isJsonObject, type JsonObject, type JsonValue, type ObjectIdentity } from '@capstan/manifest';
import type { IgnoreRule } from '@capstan/vocabulary';
import { pathAt, pointerTokens, valueAtPath } from './field-path';

/** The pointers ignored for one object. */
export function ignoredPointers(rules: readonly IgnoreRule[], object: ObjectIdentity): string[] {
  return rules
    .filter(
      (rule) =>
        (rule.group === undefined || rule.group === '' || rule.group === object.group) &&
        (rule.kind === undefined || rule.kind === '' || rule.kind === object.kind) &&
        (rule.namespace === undefined || rule.namespace === '' || rule.namespace === object.namespace) &&
        (rule.name === undefined || rule.name === '' || rule.name === object.name),
    )
    .map((rule) => rule.jsonPointer.replace(/\/$/, ''));
}

/** Whether `pointer` is one of `ignored` or lies under one. */
export function isIgnored(pointer: string, ignored: readonly string[]): boolean {
  return ignored.some((prefix) => pointer === prefix || pointer.startsWith(`${prefix}/`));
}

/**
 * The manifest to apply over `live`: the fields ignore rules give to other controllers take their
 * live values, or are left out where the live object has none, so that an apply never takes them
 * back (server-side apply of an unchanged value changes nothing). Git's values stand when the
 * object does not exist yet.
 */
export function withLiveIgnoredFields(desired: JsonObject, live: JsonObject | null, rules: readonly IgnoreRule[]): JsonObject {
  const pointers = live ? ignoredPointers(rules, identityOf(desired)).filter((pointer) => pointer !== '') : [];
  if (!live || pointers.length === 0) return desired;
  const manifest = structuredClone(desired);
  // The last list items first, so that leaving one out does not move the others.
  for (const pointer of pointers.sort().reverse()) {
    const path = pathAt(desired, pointer);
    if (!path) continue;
    const tokens = pointerTokens(pointer);
    const last = tokens.pop() as string;
    let parent: JsonValue | undefined = manifest;
    for (const token of tokens) parent = Array.isArray(parent) ? parent[Number(token)] : isJsonObject(parent) ? parent[token] : undefined;
    const liveValue = valueAtPath(live, path);
    if (Array.isArray(parent)) {
      if (liveValue === undefined) parent.splice(Number(last), 1);
      else parent[Number(last)] = liveValue;
    } else if (isJsonObject(parent)) {
      if (liveValue === undefined) delete parent[last];
      else parent[last] = liveValue;
    }
  }
  return manifest;
}
