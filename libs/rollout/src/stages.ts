import { matchesLabelSelector, parseLabelSelector } from '@capstan/manifest';
import { resolveBudget } from './budget';
import { FleetCluster, remainingStageName, RolloutStrategy, StageProgress, StageStrategy } from './types';

/**
 * Plans a rollout's stages: each targeted cluster joins the first stage that selects it; those no stage
 * selects form a last stage named `remaining`. Each stage's clusters are put in start order and cut into batches.
 */
export function assignStages(strategy: RolloutStrategy, fleet: readonly FleetCluster[], targetNames: readonly string[]): StageProgress[] {
  const fleetByName = new Map(fleet.map((cluster) => [cluster.name, cluster]));
  // A target the fleet does not list has no labels or groups: it still takes part, in a stage selecting every cluster or `remaining`.
  const targets = targetNames.map((name) => fleetByName.get(name) ?? { name, labels: {}, groups: [] });
  const selectors = strategy.stages.map(stageSelector);
  const members: FleetCluster[][] = strategy.stages.map(() => []);
  const remaining: FleetCluster[] = [];
  for (const cluster of targets) {
    const index = selectors.findIndex((selects) => selects(cluster));
    (index >= 0 ? members[index] : remaining).push(cluster);
  }
  const stages = strategy.stages.map((stage, index) => planStage(stage, members[index]));
  if (remaining.length > 0) stages.push(planStage({ name: remainingStageName }, remaining));
  return stages;
}

function stageSelector(stage: StageStrategy): (cluster: FleetCluster) => boolean {
  const selector = stage.selector === undefined ? null : parseLabelSelector(stage.selector);
  const groups = stage.groups;
  return (cluster) =>
    (groups === undefined || groups.some((group) => cluster.groups.includes(group))) && (selector === null || matchesLabelSelector(selector, cluster.labels));
}

function planStage(stage: StageStrategy, clusters: FleetCluster[]): StageProgress {
  const names = inStartOrder(clusters, stage.orderByLabel).map((cluster) => cluster.name);
  const maxConcurrency = resolveBudget(stage.maxConcurrency, names.length, { fallback: '100%', atLeastOne: true });
  const batches = [];
  for (let start = 0; start < names.length; start += maxConcurrency) {
    batches.push({ state: 'Pending' as const, clusters: names.slice(start, start + maxConcurrency) });
  }
  return {
    name: stage.name,
    state: 'Pending',
    maxConcurrency,
    maxFailures: resolveBudget(stage.maxFailures, names.length, { fallback: 0, atLeastOne: false }),
    acceptedFailures: 0,
    approvedBefore: false,
    approvedAfter: false,
    batches,
  };
}

/** By the label's value (clusters without it last), then by name. */
function inStartOrder(clusters: FleetCluster[], label: string | undefined): FleetCluster[] {
  return [...clusters].sort((a, b) => (label === undefined ? 0 : compareLabel(a, b, label)) || compareText(a.name, b.name));
}

function compareLabel(a: FleetCluster, b: FleetCluster, label: string): number {
  const valueA = Object.hasOwn(a.labels, label) ? a.labels[label] : undefined;
  const valueB = Object.hasOwn(b.labels, label) ? b.labels[label] : undefined;
  if (valueA === undefined || valueB === undefined) return Number(valueA === undefined) - Number(valueB === undefined);
  return compareValues(valueA, valueB);
}

const numberPattern = /^-?\d+(\.\d+)?$/;

/** Numbers by value (wave "2" before wave "10"), anything else as text. */
function compareValues(a: string, b: string): number {
  return numberPattern.test(a) && numberPattern.test(b) ? Number(a) - Number(b) : compareText(a, b);
}

/** By code unit, so the order does not depend on a locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
