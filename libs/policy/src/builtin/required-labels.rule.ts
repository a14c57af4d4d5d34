import { keySegment, labelsOf } from '../objects';
import { type BuiltinRuleDefinition, onlyParams, stringListParam } from './builtin-rule';

export const requiredLabelsRule: BuiltinRuleDefinition<{ labels: string[]; kinds?: Set<string> }> = {
  id: 'required-labels',
  severity: 'low',
  description: 'objects (of the given kinds, default all) carry the given labels',
  params(raw, fail) {
    onlyParams(raw, ['labels', 'kinds'], fail);
    const labels = stringListParam(raw, 'labels', fail);
    if (!labels || labels.length === 0) fail('labels', 'required: the label keys every object must have');
    const kinds = stringListParam(raw, 'kinds', fail);
    return { labels: labels ?? [], kinds: kinds && new Set(kinds) };
  },
  // Kinds are named without their group, as in manifests.
  kinds: ({ kinds }) => (kinds ? [...kinds].map((kind) => ({ group: '*', kind })) : [{ group: '*', kind: '*' }]),
  check(object, { labels, kinds }) {
    if (kinds && !kinds.has(String(object.kind))) return [];
    const present = labelsOf(object);
    return labels.filter((label) => present[label] === undefined).map((label) => ({ fieldPath: `metadata.labels${keySegment(label)}`, message: `label ${label} is missing` }));
  },
};
