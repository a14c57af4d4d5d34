/**
 * Walks over objects guided by a FieldSchema, as structured-merge-diff does over typed values:
 * the field set an applied configuration sets, the comparison of two versions, the apply merge,
 * and removing fields.
 */
import { FieldSet, fieldElement, keyElement, valueElement } from './field-set';
import type { FieldSchema, ListKind } from './field-schema';
import { deepEqual, isPlainObject, type JsonObject } from './json';

/** How the list items of one list are identified. */
function itemElement(item: unknown, kind: ListKind, index: number): string {
  if (kind.type === 'set') return valueElement(item);
  if (kind.type === 'map' && isPlainObject(item)) {
    const keys: Record<string, unknown> = {};
    for (const key of kind.keys) {
      const value = item[key] ?? kind.keyDefaults?.[key];
      if (value === undefined) return `i:${index}`;
      keys[key] = value;
    }
    return keyElement(keys);
  }
  return `i:${index}`;
}

/** The items of a list by path element, first occurrence winning, in list order. */
function indexItems(list: readonly unknown[], kind: ListKind): Map<string, unknown> {
  const items = new Map<string, unknown>();
  list.forEach((item, index) => {
    const element = itemElement(item, kind, index);
    if (!items.has(element)) items.set(element, item);
  });
  return items;
}

function isGranularList(value: unknown, schema: FieldSchema, names: readonly string[]): ListKind | null {
  if (!Array.isArray(value)) return null;
  const kind = schema.list(names);
  return kind.type === 'atomic' ? null : kind;
}

function isGranularObject(value: unknown, schema: FieldSchema, names: readonly string[]): value is JsonObject {
  return isPlainObject(value) && Object.keys(value).length > 0 && !schema.atomicObject(names);
}

/** The fields an applied configuration sets (structured-merge-diff's `ToFieldSet`). */
export function fieldSetOf(object: JsonObject, schema: FieldSchema): FieldSet {
  const set = new FieldSet();
  const visit = (value: unknown, names: string[], elements: string[]): void => {
    const listKind = isGranularList(value, schema, names);
    if (listKind) {
      (value as unknown[]).forEach((item, index) => {
        const itemElements = [...elements, itemElement(item, listKind, index)];
        set.insert(itemElements);
        if (listKind.type === 'map' && isPlainObject(item)) visitFields(item, names, itemElements);
      });
    } else if (isGranularObject(value, schema, names)) {
      visitFields(value, names, elements);
    } else {
      set.insert(elements);
    }
  };
  const visitFields = (object: JsonObject, names: string[], elements: string[]): void => {
    for (const [key, child] of Object.entries(object)) visit(child, [...names, key], [...elements, fieldElement(key)]);
  };
  visitFields(object, [], []);
  return set;
}

/** What changed between two versions of an object, as field sets. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

// Objects that the API server's Go types always carry, so a write never "adds" them as a node.
const alwaysPresentObjects = new Set(['metadata', 'spec', 'template', 'strategy', 'updateStrategy', 'status', 'jobTemplate', 'containers']);

/** Compares two versions of an object field by field (structured-merge-diff's `Compare`). */
export function compareObjects(before: JsonObject, after: JsonObject, schema: FieldSchema): Comparison {
  const result: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  // Marks a subtree present on one side only: every leaf, and every node that a real server would report.
  const markSubtree = (value: unknown, names: string[], elements: string[], into: FieldSet, isListItem: boolean): void => {
    const listKind = isGranularList(value, schema, names);
    const object = isGranularObject(value, schema, names);
    if (!listKind && !object) {
      into.insert(elements);
      return;
    }
    if (isListItem || !alwaysPresentObjects.has(names[names.length - 1])) into.insert(elements);
    if (listKind) {
      (value as unknown[]).forEach((item, index) => markSubtree(item, names, [...elements, itemElement(item, listKind, index)], into, true));
    } else {
      for (const [key, child] of Object.entries(value as JsonObject)) markSubtree(child, [...names, key], [...elements, fieldElement(key)], into, false);
    }
  };
  const compareValues = (a: unknown, b: unknown, names: string[], elements: string[], isListItem: boolean): void => {
    if (a === undefined && b === undefined) return;
    if (a === undefined) return markSubtree(b, names, elements, result.added, isListItem);
    if (b === undefined) return markSubtree(a, names, elements, result.removed, isListItem);
    const listKind = isGranularList(a, schema, names);
    if (listKind && Array.isArray(b) && (a as unknown[]).length + b.length > 0) {
      const before = indexItems(a as unknown[], listKind);
      const after = indexItems(b, listKind);
      for (const [element, item] of before) compareValues(item, after.get(element), names, [...elements, element], true);
      for (const [element, item] of after) if (!before.has(element)) compareValues(undefined, item, names, [...elements, element], true);
      return;
    }
    if (isPlainObject(a) && isPlainObject(b) && !schema.atomicObject(names) && Object.keys(a).length + Object.keys(b).length > 0) {
      for (const key of Object.keys(a)) compareValues(a[key], b[key], [...names, key], [...elements, fieldElement(key)], false);
      for (const key of Object.keys(b)) if (!(key in a)) compareValues(undefined, b[key], [...names, key], [...elements, fieldElement(key)], false);
      return;
    }
    if (!deepEqual(a, b)) result.modified.insert(elements);
  };
  compareValues(before, after, [], [], false);
  return result;
}

/** Merges an applied configuration into the live object (structured-merge-diff's `Merge`). */
export function mergeApplied(live: unknown, applied: unknown, schema: FieldSchema, names: string[] = []): unknown {
  if (applied === undefined) return live;
  const listKind = isGranularList(applied, schema, names);
  if (listKind && Array.isArray(live)) return mergeLists(live, applied as unknown[], listKind, schema, names);
  if (isPlainObject(applied) && isPlainObject(live) && !schema.atomicObject(names)) {
    const merged: JsonObject = { ...live };
    for (const [key, value] of Object.entries(applied)) {
      if (value === null) delete merged[key];
      else merged[key] = mergeApplied(live[key], value, schema, [...names, key]);
    }
    return merged;
  }
  return applied;
}

// Applied order wins; live-only items keep their place relative to the shared ones.
function mergeLists(live: unknown[], applied: unknown[], kind: ListKind, schema: FieldSchema, names: string[]): unknown[] {
  const liveItems = indexItems(live, kind);
  const appliedItems = indexItems(applied, kind);
  const appliedOrder = [...appliedItems.keys()];
  const merged: unknown[] = [];
  const emitted = new Set<string>();
  let next = 0;
  const emitAppliedUpTo = (element: string): void => {
    while (next < appliedOrder.length) {
      const current = appliedOrder[next++];
      if (!emitted.has(current)) {
        emitted.add(current);
        merged.push(kind.type === 'map' ? mergeApplied(liveItems.get(current), appliedItems.get(current), schema, names) : appliedItems.get(current));
      }
      if (current === element) return;
    }
  };
  for (const [element, item] of liveItems) {
    if (appliedItems.has(element)) emitAppliedUpTo(element);
    else merged.push(item);
  }
  emitAppliedUpTo('');
  return merged;
}

/**
 * Removes the member paths of `remove` from `object`, except where `keep` (what some manager
 * still owns) has a path at or below: such nodes stay and only their unowned members go.
 */
export function removeFields(object: JsonObject, remove: FieldSet, keep: FieldSet, schema: FieldSchema): JsonObject {
  const prune = (value: unknown, removeNode: FieldSet, keepNode: FieldSet | undefined, names: string[]): unknown => {
    const listKind = isGranularList(value, schema, names);
    if (listKind) {
      const list = value as unknown[];
      const result: unknown[] = [];
      list.forEach((item, index) => {
        const element = itemElement(item, listKind, index);
        const childRemove = removeNode.children.get(element);
        const childKeep = keepNode?.children.get(element);
        if (!childRemove) result.push(item);
        else if (childRemove.member && (!childKeep || childKeep.isEmpty())) return;
        else result.push(prune(item, childRemove, childKeep, names));
      });
      return result;
    }
    if (!isPlainObject(value)) return value;
    const result: JsonObject = { ...value };
    for (const [element, childRemove] of removeNode.children) {
      if (!element.startsWith('f:')) continue;
      const key = element.slice(2);
      if (!(key in result)) continue;
      const childKeep = keepNode?.children.get(element);
      if (childRemove.member && (!childKeep || childKeep.isEmpty())) delete result[key];
      else result[key] = prune(result[key], childRemove, childKeep, [...names, key]);
    }
    return result;
  };
  return prune(object, remove, keep, []) as JsonObject;
}
