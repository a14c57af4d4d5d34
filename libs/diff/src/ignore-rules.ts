import type { ObjectIdentity } from '@capstan/manifest';
import type { IgnoreRule } from '@capstan/vocabulary';

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
