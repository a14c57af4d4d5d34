import { formatIdentity, formatYamlDocument, identityOf, type JsonObject } from '@capstan/manifest';
import { createTwoFilesPatch } from 'diff';

/** How one object differs between two renders. */
export interface ObjectChange {
  /** `Kind/namespace/name`. */
  subject: string;
  change: 'added' | 'removed' | 'modified';
  /** Unified diff of the object's YAML, as `kustomize build` prints it. */
  patch: string;
}

function keyOf(object: JsonObject): string {
  const id = identityOf(object);
  return `${id.group}|${id.kind}|${id.namespace}|${id.name}`;
}

/** The objects that differ between two rendered bundles, each with a unified diff; unchanged ones are left out. */
export function diffBundles(from: readonly JsonObject[], to: readonly JsonObject[]): ObjectChange[] {
  const before = new Map(from.map((object) => [keyOf(object), object]));
  const after = new Map(to.map((object) => [keyOf(object), object]));
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const changes: ObjectChange[] = [];
  for (const key of keys) {
    const old = before.get(key);
    const next = after.get(key);
    const oldText = old ? formatYamlDocument(old) : '';
    const newText = next ? formatYamlDocument(next) : '';
    if (oldText === newText) continue;
    const subject = formatIdentity(identityOf((next ?? old) as JsonObject));
    changes.push({
      subject,
      change: old === undefined ? 'added' : next === undefined ? 'removed' : 'modified',
      patch: createTwoFilesPatch(old ? `a/${subject}` : '/dev/null', next ? `b/${subject}` : '/dev/null', oldText, newText, undefined, undefined, { context: 3 }),
    });
  }
  return changes.sort((a, b) => a.subject.localeCompare(b.subject));
}
