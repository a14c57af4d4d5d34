import { actOnRollout } from './actions';
import { rolloutProgress } from './progress';
import { begin, FleetSim, fleetOf, names, Scenario, seconds, stepAt, t0, target } from './rollout.fixtures';
import type { DesiredChange, RolloutEvent, RolloutStrategy } from './types';

interface Run {
  desired: DesiredChange[];
  events: RolloutEvent[];
  /** The most clusters of each stage updating or baking at once. */
  mostInFlight: Record<string, number>;
}

/** Steps every 10 s, clusters converging healthy between steps and approvals given when asked, until the rollout ends. */
function runToEnd(scenario: Scenario): Run {
  const run: Run = { desired: [...scenario.step.desired], events: [...scenario.step.events], mostInFlight: {} };
  const record = () => scenario.step.record;
  const watchInFlight = () => {
    for (const stage of record().stages) {
      const inFlight = stage.batches.flatMap((batch) => batch.clusters).filter((name) => ['Updating', 'Baking'].includes(record().clusters[name].state)).length;
      run.mostInFlight[stage.name] = Math.max(run.mostInFlight[stage.name] ?? 0, inFlight);
    }
  };
  watchInFlight();
  for (let steps = 0; !['Succeeded', 'Failed', 'RolledBack', 'Aborted'].includes(record().state); steps++) {
    if (steps > 10_000) throw new Error(`no end after ${steps} steps: ${record().state}`);
    scenario.sim.converge();
    const now = scenario.now + seconds(10);
    if (record().state === 'WaitingForApproval') {
      scenario.now = now;
      scenario.step = actOnRollout({ strategy: scenario.strategy, record: record(), action: { type: 'promote', reason: 'looks good' }, observations: scenario.sim.observations(), now });
      scenario.sim.write(scenario.step.desired);
    } else {
      stepAt(scenario, now);
    }
    run.desired.push(...scenario.step.desired);
    run.events.push(...scenario.step.events);
    watchInFlight();
  }
  return run;
}

const stageEvents = (events: RolloutEvent[]): string[] =>
  events.filter((event) => event.type.startsWith('rollout.stage.') || event.type === 'rollout.waiting-for-approval').map((event) => `${event.type} ${event.stage}`);

describe('a good revision through canary, staging and prod', () => {
  const strategy: RolloutStrategy = {
    stages: [
      { name: 'canary', selector: 'env=canary', maxConcurrency: 1, minBakeTimeSeconds: 60 },
      { name: 'staging', selector: 'env=staging', maxConcurrency: '50%', minBakeTimeSeconds: 30, approvalAfter: true },
      { name: 'prod', selector: 'env=prod', maxConcurrency: 4, orderByLabel: 'region' },
    ],
  };
  const regions = ['us', 'eu', 'ap'];
  const fleet = [
    ...fleetOf(names('canary', 2), () => ({ env: 'canary' })),
    ...fleetOf(names('staging', 6), () => ({ env: 'staging' })),
    ...fleetOf(names('prod', 12), (name) => ({ env: 'prod', region: regions[Number(name.slice(-4)) % 3] })),
  ];

  it('reaches every cluster once, stage after stage, never more than a batch at a time', () => {
    const run = runToEnd(begin(strategy, fleet));
    expect(run.mostInFlight).toEqual({ canary: 1, staging: 3, prod: 4 });
    const prodOrder = names('prod', 12).sort((a, b) => regions[Number(a.slice(-4)) % 3].localeCompare(regions[Number(b.slice(-4)) % 3]) || a.localeCompare(b));
    expect(run.desired).toEqual([...names('canary', 2), ...names('staging', 6), ...prodOrder].map((cluster) => ({ cluster, to: target, cause: 'rollout' })));
    expect(prodOrder.slice(0, 4)).toEqual(['prod-0002', 'prod-0005', 'prod-0008', 'prod-0011']);
    expect(stageEvents(run.events)).toEqual([
      'rollout.stage.started canary',
      'rollout.stage.completed canary',
      'rollout.stage.started staging',
      'rollout.stage.completed staging',
      'rollout.waiting-for-approval staging',
      'rollout.stage.started prod',
      'rollout.stage.completed prod',
    ]);
    expect(run.events.filter((event) => event.type === 'rollout.cluster.succeeded')).toHaveLength(20);
    expect(run.events.at(-1)).toEqual({ type: 'rollout.succeeded' });
  });
});

describe('a rollout across 1,000 clusters', () => {
  const rings: Array<[string, number]> = [
    ['canary', 10],
    ['early', 100],
    ['main', 300],
    ['late', 590],
  ];
  const fleet = rings.flatMap(([ring, count]) => fleetOf(names(ring, count), () => ({ ring })));
  const strategy: RolloutStrategy = {
    stages: [
      { name: 'canary', selector: 'ring=canary', maxConcurrency: '25%', minBakeTimeSeconds: 60 },
      { name: 'early', selector: 'ring=early', maxConcurrency: '25%', minBakeTimeSeconds: 30 },
      { name: 'main', selector: 'ring=main', maxConcurrency: '25%' },
      { name: 'rest', maxConcurrency: '25%' },
    ],
  };

  it('plans it to completion: each stage in batches of a quarter, disconnected clusters brought to the target at the end', () => {
    const sim = new FleetSim(fleet.map((cluster) => cluster.name));
    const disconnected = fleet.filter((_, index) => index % 97 === 50).map((cluster) => cluster.name);
    for (const cluster of disconnected) sim.set(cluster, { connected: false });
    const scenario = begin(strategy, fleet, { sim });
    expect(scenario.step.record.stages.map((stage) => [stage.name, stage.maxConcurrency, stage.batches.length])).toEqual([
      ['canary', 2, 5],
      ['early', 25, 4],
      ['main', 75, 4],
      ['rest', 147, 5],
    ]);

    const run = runToEnd(scenario);

    const record = scenario.step.record;
    expect(record.state).toBe('Succeeded');
    // Never more than a batch at once; each of rest's batches holds a disconnected cluster, so 146 at most there.
    expect(run.mostInFlight).toEqual({ canary: 2, early: 25, main: 75, rest: 146 });
    expect(rolloutProgress(record)).toEqual({ total: 1000, pending: 0, updating: 0, baking: 0, succeeded: 1000 - disconnected.length, failed: 0, timedOut: 0, skipped: disconnected.length, rolledBack: 0 });
    // Every cluster's desired state is written once, to the target; the disconnected ones last, when the rollout succeeds.
    expect(run.desired).toHaveLength(1000);
    expect(new Set(run.desired.map((change) => change.cluster)).size).toBe(1000);
    expect(run.desired.every((change) => change.cause === 'rollout' && change.to?.bundleDigest === target.bundleDigest)).toBe(true);
    expect(run.desired.slice(-disconnected.length).map((change) => change.cluster)).toEqual(disconnected);
    expect(run.events.filter((event) => event.type === 'rollout.cluster.skipped').map((event) => event.cluster)).toEqual(disconnected);
    expect(Object.values(record.clusters).every((cluster) => cluster.startedAt !== null)).toBe(true);
    expect(record.stages.every((stage) => stage.state === 'Succeeded' && stage.batches.every((batch) => batch.state === 'Succeeded'))).toBe(true);
    expect(record.finishedAt).toBe(scenario.now);
    expect(record.startedAt).toBe(t0);
  });
});
