import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from './json';
import { mergeRulesOf, rootMergeType } from './patch-merge-keys';

/**
 * Strategic merge patch over the built-in types' merge keys (patch-merge-keys.ts).
 *
 * Directives: `$patch: delete | replace | merge` on maps and list elements (and a
 * `{$patch: replace}` element replacing a whole list), `null` deleting a field,
 * `$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.
 * Two dialects differ only where their implementations do:
 * - `apiserver` (k8s.io/apimachinery): new list items are appended after the merged
 *   originals; all directives are honoured.
 * - `kustomize` (kyaml merge2, as `kustomize build` does it): the patch's items come first
 *   in patch order, then the originals it did not mention; kyaml does not know
 *   `$retainKeys`, `$setElementOrder` or `$deleteFromPrimitiveList`, so they are rejected
 *   rather than copied into the output as kustomize would.
 */
export type StrategicMergeDialect = 'apiserver' | 'kustomize';

/** A patch that cannot be applied; `path` is the field in the patch (`spec.template.spec.containers[1]`). */
export class StrategicMergeError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`field '${path}': ${reason}`);
    this.name = 'StrategicMergeError';
  }
}

const deleted = Symbol('deleted');
type Merged = JsonValue | typeof deleted;

const retainKeysDirective = '$retainKeys';
const setElementOrderPrefix = '$setElementOrder/';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';

/**
 * Applies `patch` to `original` (neither is modified) using the merge keys of `original`'s kind.
 * Returns null when the patch deletes the whole object (`$patch: delete` at the top).
 */
export function strategicMerge(original: JsonObject, patch: JsonObject, dialect: StrategicMergeDialect = 'apiserver'): JsonObject | null {
  const kind = typeof original.kind === 'string' ? original.kind : '';
  const merged = new Merger(dialect).mergeObject(original, patch, rootMergeType(kind), '');
  return merged === deleted ? null : (merged as JsonObject);
}

class Merger {
  constructor(private readonly dialect: StrategicMergeDialect) {}

  mergeObject(original: JsonObject, patch: JsonObject, typeName: string | undefined, path: string): Merged {
    const directive = patch.$patch;
    if (directive === 'delete') return deleted;
    if (directive === 'replace') return this.withoutDirectives(patch, typeName, path);
    if (directive !== undefined && directive !== 'merge') throw new StrategicMergeError(join(path, '$patch'), `unknown directive ${JSON.stringify(directive)}`);
    const rules = mergeRulesOf(typeName);
    const result: JsonObject = { ...original };
    const postponed: string[] = [];
    for (const [key, patchValue] of Object.entries(patch)) {
      if (key === '$patch') continue;
      if (key.startsWith('$')) {
        this.checkDirectiveSupported(key, path);
        postponed.push(key);
        continue;
      }
      const fieldPath = join(path, key);
      if (patchValue === null) {
        delete result[key];
        continue;
      }
      const rule = rules[key] ?? {};
      const merged = this.mergeValue(original[key], patchValue, rule.type, rule.mergeKey, rule.primitiveSet === true, fieldPath);
      if (merged === deleted) delete result[key];
      else result[key] = merged;
    }
    for (const key of postponed) this.applyDirective(result, key, patch[key], rules, path);
    return result;
  }

  private mergeValue(
    original: JsonValue | undefined,
    patch: JsonValue,
    typeName: string | undefined,
    mergeKey: string | undefined,
    primitiveSet: boolean,
    path: string,
  ): Merged {
    if (isJsonObject(patch)) {
      return isJsonObject(original) ? this.mergeObject(original, patch, typeName, path) : this.withoutDirectives(patch, typeName, path);
    }
    if (Array.isArray(patch)) {
      if (!Array.isArray(original)) return this.listWithoutDirectives(patch, typeName, path);
      if (mergeKey) return this.mergeKeyedList(original, patch, mergeKey, typeName, path);
      if (primitiveSet) return this.mergePrimitiveSet(original, patch);
      return this.listWithoutDirectives(patch, typeName, path);
    }
    return patch;
  }

  // A patch value with nothing to merge into: the patch applied to an empty object.
  private withoutDirectives(patch: JsonObject, typeName: string | undefined, path: string): JsonValue {
    const { $patch: _directive, ...rest } = patch;
    const merged = this.mergeObject({}, rest, typeName, path);
    return merged === deleted ? {} : merged;
  }

  private listWithoutDirectives(patch: JsonValue[], typeName: string | undefined, path: string): JsonValue[] {
    return patch
      .filter((item) => !(isJsonObject(item) && (item.$patch === 'replace' || item.$patch === 'delete')))
      .map((item, index) => (isJsonObject(item) ? this.withoutDirectives(item, typeName, `${path}[${index}]`) : cloneJson(item)));
  }

  private mergeKeyedList(original: JsonValue[], patch: JsonValue[], mergeKey: string, typeName: string | undefined, path: string): JsonValue[] {
    if (patch.some((item) => isJsonObject(item) && item.$patch === 'replace')) return this.listWithoutDirectives(patch, typeName, path);
    const keyOf = (item: JsonValue) => (isJsonObject(item) ? JSON.stringify(item[mergeKey] ?? null) : undefined);
    const merged = [...original] as Array<JsonValue | typeof deleted>;
    const mentioned = new Set<number>();
    const fromPatch: Array<JsonValue | typeof deleted> = [];
    patch.forEach((item, index) => {
      const itemPath = `${path}[${index}]`;
      if (!isJsonObject(item)) throw new StrategicMergeError(itemPath, `list merged by '${mergeKey}' holds a non-object item`);
      if (item[mergeKey] === undefined) throw new StrategicMergeError(itemPath, `item has no merge key '${mergeKey}'`);
      const position = original.findIndex((candidate) => keyOf(candidate) === keyOf(item));
      const result = position < 0 ? (item.$patch === 'delete' ? deleted : this.withoutDirectives(item, typeName, itemPath)) : this.mergeObject(original[position] as JsonObject, item, typeName, itemPath);
      if (position >= 0) {
        mentioned.add(position);
        merged[position] = result;
      }
      fromPatch.push(result);
    });
    const kept = (items: Array<JsonValue | typeof deleted>) => items.filter((item): item is JsonValue => item !== deleted);
    if (this.dialect === 'kustomize') return kept([...fromPatch, ...original.filter((_, index) => !mentioned.has(index))]);
    const added = fromPatch.filter((_, index) => original.findIndex((candidate) => keyOf(candidate) === keyOf(patch[index])) < 0);
    return kept([...merged, ...added]);
  }

  private mergePrimitiveSet(original: JsonValue[], patch: JsonValue[]): JsonValue[] {
    const has = (items: JsonValue[], value: JsonValue) => items.some((item) => JSON.stringify(item) === JSON.stringify(value));
    if (this.dialect === 'kustomize') return [...patch, ...original.filter((item) => !has(patch, item))];
    return [...original, ...patch.filter((item) => !has(original, item))];
  }

  private checkDirectiveSupported(key: string, path: string): void {
    const known = key === retainKeysDirective || key.startsWith(setElementOrderPrefix) || key.startsWith(deleteFromPrimitiveListPrefix);
    if (!known) throw new StrategicMergeError(join(path, key), 'unknown patch directive');
    if (this.dialect === 'kustomize') throw new StrategicMergeError(join(path, key), 'directive is not supported by kustomize');
  }

  private applyDirective(result: JsonObject, key: string, value: JsonValue, rules: ReturnType<typeof mergeRulesOf>, path: string): void {
    const directivePath = join(path, key);
    if (!Array.isArray(value)) throw new StrategicMergeError(directivePath, 'must be a list');
    if (key === retainKeysDirective) {
      for (const field of Object.keys(result)) if (!value.includes(field)) delete result[field];
      return;
    }
    if (key.startsWith(deleteFromPrimitiveListPrefix)) {
      const field = key.slice(deleteFromPrimitiveListPrefix.length);
      const current = result[field];
      if (Array.isArray(current)) result[field] = current.filter((item) => !value.some((removed) => JSON.stringify(removed) === JSON.stringify(item)));
      return;
    }
    const field = key.slice(setElementOrderPrefix.length);
    const current = result[field];
    if (!Array.isArray(current)) return;
    const mergeKey = rules[field]?.mergeKey;
    const identity = (item: JsonValue) => JSON.stringify(mergeKey && isJsonObject(item) ? (item[mergeKey] ?? null) : item);
    const order = value.map(identity);
    // Listed items take the directive's order; items it does not name keep their place after them.
    const rank = (item: JsonValue) => {
      const position = order.indexOf(identity(item));
      return position < 0 ? order.length : position;
    };
    result[field] = current
      .map((item, index) => ({ item, index }))
      .sort((a, b) => rank(a.item) - rank(b.item) || a.index - b.index)
      .map(({ item }) => item);
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
