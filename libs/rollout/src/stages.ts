import { matchesLabelSelector, parseLabelSelector } from '@capstan/manifest';
import { resolveBudget } from './budget';
import { stageStrategy } from './strategy';
import { FleetCluster, remainingStageName, RolloutStrategy, StageProgress, StageStrategy } from './types';

/** What cutting a fleet into stages and batches needs of a stage, whatever is rolled out. */
export type StageSelection = Pick<StageStrategy, 'name' | 'groups' | 'selector' | 'maxConcurrency' | 'orderByLabel'>;

/** One stage's clusters, cut into batches in start order. */
export interface PlannedStage {
  /** The stage's name; `remaining` for the clusters no stage selects. */
  name: string;
  /** `maxConcurrency` resolved to a count for this stage's clusters. */
  maxConcurrency: number;
  /** Cluster names, batch by batch, in start order. */
  batches: string[][];
}

/**
 * Cuts the targeted clusters into stages and batches: each joins the first stage that selects it
 * (groups and/or selector); those no stage selects form a last stage named `remaining`. Each
 * stage's clusters are put in start order and cut into batches of `maxConcurrency`. What is rolled
 * out (a revision, a policy) is the caller's.
 */
export function planBatches(stages: readonly StageSelection[], fleet: readonly FleetCluster[], targetNames: readonly string[]): PlannedStage[] {
  const fleetByName = new Map(fleet.map((cluster) => [cluster.name, cluster]));
  // A target the fleet does not list has no labels or groups: it still takes part, in a stage selecting every cluster or `remaining`.
  const targets = targetNames.map((name) => fleetByName.get(name) ?? { name, labels: {}, groups: [] });
  const selectors = stages.map(stageSelector);
  const members: FleetCluster[][] = stages.map(() => []);
  const remaining: FleetCluster[] = [];
  for (const cluster of targets) {
    const index = selectors.findIndex((selects) => selects(cluster));
    (index >= 0 ? members[index] : remaining).push(cluster);
  }
  const planned = stages.map((stage, index) => cutIntoBatches(stage, members[index]));
  if (remaining.length > 0) planned.push(cutIntoBatches({ name: remainingStageName }, remaining));
  return planned;
}

/** Plans an application rollout's stages: `planBatches`, with each stage's failure budget resolved and everything pending. */
export function assignStages(strategy: Pick<RolloutStrategy, 'stages'>, fleet: readonly FleetCluster[], targetNames: readonly string[]): StageProgress[] {
  return planBatches(strategy.stages, fleet, targetNames).map(({ name, maxConcurrency, batches }) => ({
    name,
    state: 'Pending',
    maxConcurrency,
    maxFailures: resolveBudget(stageStrategy(strategy, name).maxFailures, batches.flat().length, { fallback: 0, atLeastOne: false }),
    acceptedFailures: 0,
    approvedBefore: false,
    approvedAfter: false,
    batches: batches.map((clusters) => ({ state: 'Pending', clusters })),
  }));
}

function stageSelector(stage: StageSelection): (cluster: FleetCluster) => boolean {
  const selector = stage.selector === undefined ? null : parseLabelSelector(stage.selector);
  const groups = stage.groups;
  return (cluster) =>
    (groups === undefined || groups.some((group) => cluster.groups.includes(group))) && (selector === null || matchesLabelSelector(selector, cluster.labels));
}

function cutIntoBatches(stage: StageSelection, clusters: FleetCluster[]): PlannedStage {
  const names = inStartOrder(clusters, stage.orderByLabel).map((cluster) => cluster.name);
  const maxConcurrency = resolveBudget(stage.maxConcurrency, names.length, { fallback: '100%', atLeastOne: true });
  const batches: string[][] = [];
  for (let start = 0; start < names.length; start += maxConcurrency) batches.push(names.slice(start, start + maxConcurrency));
  return { name: stage.name, maxConcurrency, batches };
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
