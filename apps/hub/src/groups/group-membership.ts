import { type LabelSelector, matchesLabelSelector, parseLabelSelector } from '@capstan/manifest';

/** What decides membership of a cluster group. */
export interface GroupMembership {
  selector: string | null;
  members: readonly string[];
}

/** A cluster is in a group when the group lists it by name or its labels match the group's selector. */
export function groupContainsCluster(group: GroupMembership, cluster: { name: string; labels: Record<string, string> }): boolean {
  if (group.members.includes(cluster.name)) return true;
  return group.selector !== null && matchesLabelSelector(parsedSelector(group.selector), cluster.labels);
}

const selectorCache = new Map<string, LabelSelector>();

function parsedSelector(text: string): LabelSelector {
  let selector = selectorCache.get(text);
  if (!selector) {
    selector = parseLabelSelector(text);
    if (selectorCache.size > 10_000) selectorCache.clear();
    selectorCache.set(text, selector);
  }
  return selector;
}
