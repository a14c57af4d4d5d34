import { assignStages, planBatches, type PlannedStage } from './stages';
import type { FleetCluster, RolloutStrategy } from './types';

const fleet: FleetCluster[] = [
  { name: 'eu-1', labels: { env: 'prod', region: 'eu', wave: '10' }, groups: ['europe', 'canaries'] },
  { name: 'eu-2', labels: { env: 'prod', region: 'eu', wave: '2' }, groups: ['europe'] },
  { name: 'us-1', labels: { env: 'prod', region: 'us' }, groups: ['america', 'canaries'] },
  { name: 'us-2', labels: { env: 'staging', region: 'us', wave: '1' }, groups: ['america'] },
  { name: 'ap-1', labels: { env: 'staging', region: 'ap', wave: '2' }, groups: [] },
];
const everyName = fleet.map((cluster) => cluster.name);

/** Each stage as its batches' cluster names. */
const batchesOf = (stages: PlannedStage[]): Record<string, string[][]> => Object.fromEntries(stages.map((stage) => [stage.name, stage.batches]));

describe('cutting a fleet into stages and batches', () => {
  it.each<[string, RolloutStrategy, string[], Record<string, string[][]>]>([
    ['a stage without groups or selector takes every cluster', { stages: [{ name: 'all' }] }, everyName, { all: [['ap-1', 'eu-1', 'eu-2', 'us-1', 'us-2']] }],
    [
      'the first stage that selects a cluster wins',
      { stages: [{ name: 'canary', groups: ['canaries'] }, { name: 'prod', selector: 'env=prod' }, { name: 'rest' }] },
      everyName,
      { canary: [['eu-1', 'us-1']], prod: [['eu-2']], rest: [['ap-1', 'us-2']] },
    ],
    [
      'groups and a selector must both hold; the clusters no stage selects form the remaining stage',
      { stages: [{ name: 'eu-prod', groups: ['europe', 'canaries'], selector: 'env=prod,region=eu' }] },
      everyName,
      { 'eu-prod': [['eu-1', 'eu-2']], remaining: [['ap-1', 'us-1', 'us-2']] },
    ],
    [
      'a stage is in any of its groups',
      { stages: [{ name: 'america', groups: ['america', 'nowhere'] }, { name: 'all' }] },
      everyName,
      { america: [['us-1', 'us-2']], all: [['ap-1', 'eu-1', 'eu-2']] },
    ],
    ['no remaining stage when every cluster is selected', { stages: [{ name: 'prod', selector: 'env=prod' }, { name: 'staging', selector: 'env=staging' }] }, everyName, { prod: [['eu-1', 'eu-2', 'us-1']], staging: [['ap-1', 'us-2']] }],
    ['a stage that selects nothing stays, with no batches', { stages: [{ name: 'mars', selector: 'region=mars' }, { name: 'all' }] }, everyName, { mars: [], all: [['ap-1', 'eu-1', 'eu-2', 'us-1', 'us-2']] }],
    ['only targeted clusters take part', { stages: [{ name: 'all' }] }, ['us-2', 'eu-1'], { all: [['eu-1', 'us-2']] }],
    ['a target the fleet does not list has no labels', { stages: [{ name: 'prod', selector: 'env=prod' }] }, ['eu-1', 'gone'], { prod: [['eu-1']], remaining: [['gone']] }],
    [
      'ordered by the label (as numbers when both are), then by name; clusters without it last',
      { stages: [{ name: 'all', orderByLabel: 'wave', maxConcurrency: 2 }] },
      everyName,
      { all: [['us-2', 'ap-1'], ['eu-2', 'eu-1'], ['us-1']] },
    ],
    [
      'label values that are not numbers are ordered as text',
      { stages: [{ name: 'all', orderByLabel: 'env' }] },
      everyName,
      { all: [['eu-1', 'eu-2', 'us-1', 'ap-1', 'us-2']] },
    ],
    ['25 % of 3 clusters is 0, raised to 1 a batch', { stages: [{ name: 'prod', selector: 'env=prod', maxConcurrency: '25%' }, { name: 'rest' }] }, everyName, { prod: [['eu-1'], ['eu-2'], ['us-1']], rest: [['ap-1', 'us-2']] }],
    ['a concurrency larger than the stage is one batch', { stages: [{ name: 'all', maxConcurrency: 50 }] }, everyName, { all: [['ap-1', 'eu-1', 'eu-2', 'us-1', 'us-2']] }],
  ])('%s', (_, strategy, targets, expected) => {
    expect(batchesOf(planBatches(strategy.stages, fleet, targets))).toEqual(expected);
  });

  it('needs of a stage only what selects and orders its clusters, so a policy rollout plans with it too', () => {
    const [canaries, rest] = planBatches([{ name: 'canaries', groups: ['canaries'], maxConcurrency: 1 }], fleet, everyName);
    expect(canaries).toEqual({ name: 'canaries', maxConcurrency: 1, batches: [['eu-1'], ['us-1']] });
    expect(rest).toEqual({ name: 'remaining', maxConcurrency: 3, batches: [['ap-1', 'eu-2', 'us-2']] });
  });

  it('starts clusters without the ordering label after those with it, whatever their names', () => {
    const unordered: FleetCluster[] = [
      { name: 'a', labels: {}, groups: [] },
      { name: 'b', labels: { wave: '2' }, groups: [] },
      { name: 'c', labels: { wave: '1' }, groups: [] },
      { name: 'd', labels: { other: '0' }, groups: [] },
    ];
    const [stage] = planBatches([{ name: 'all', orderByLabel: 'wave' }], unordered, ['a', 'b', 'c', 'd']);
    expect(stage.batches[0]).toEqual(['c', 'b', 'a', 'd']);
  });
});

describe("planning an application rollout's stages", () => {

  it('resolves budgets for each stage and starts everything pending', () => {
    const strategy: RolloutStrategy = { stages: [{ name: 'prod', selector: 'env=prod', maxConcurrency: '25%', maxFailures: '50%' }] };
    const [prod, remaining] = assignStages(strategy, fleet, everyName);
    expect(prod).toEqual({
      name: 'prod',
      state: 'Pending',
      maxConcurrency: 1,
      maxFailures: 1, // 50 % of 3, rounded down
      acceptedFailures: 0,
      approvedBefore: false,
      approvedAfter: false,
      batches: [
        { state: 'Pending', clusters: ['eu-1'] },
        { state: 'Pending', clusters: ['eu-2'] },
        { state: 'Pending', clusters: ['us-1'] },
      ],
    });
    // The remaining stage takes the defaults: every cluster at once, no failure tolerated.
    expect(remaining).toMatchObject({ name: 'remaining', maxConcurrency: 2, maxFailures: 0, batches: [{ clusters: ['ap-1', 'us-2'] }] });
  });
});
