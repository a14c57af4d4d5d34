import { rolloutProgress } from './progress';
import { begin, clusterStates, degraded, fleetOf, FleetSim, progressing, revision, running, Scenario, seconds, stepAt, t0, target } from './rollout.fixtures';
import { stepRollout } from './step';
import type { ClusterObservation, RolloutRecord, RolloutStrategy, StageStrategy } from './types';

const oneStage = (overrides: Partial<StageStrategy> = {}, strategy: Partial<RolloutStrategy> = {}): RolloutStrategy => ({ stages: [{ name: 'canary', ...overrides }], ...strategy });
const clusterA = fleetOf(['a']);

describe('starting a rollout', () => {
  it('plans every target as pending from what it runs, then starts the first batch at once', () => {
    const sim = new FleetSim(['a', 'b', 'c', 'd']).set('d', { desired: null, reported: null });
    const fleet = fleetOf(['a', 'b', 'c', 'd', 'not-targeted']);
    const targets = { a: target, b: target, c: revision('r2-c'), d: target };
    const { step } = begin({ stages: [{ name: 'canary', maxConcurrency: 2 }] }, fleet, { sim, targets });
    expect(step.record).toMatchObject({ revisionId: 'r2', state: 'Progressing', reason: '', startedAt: t0, finishedAt: null, recentStarts: [t0, t0] });
    expect(Object.keys(step.record.clusters).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(step.record.clusters.a).toEqual({ cluster: 'a', state: 'Updating', since: t0, startedAt: t0, healthySince: null, reason: '', previous: running, target });
    expect(step.record.clusters.c).toMatchObject({ state: 'Pending', startedAt: null, previous: running, target: revision('r2-c') });
    expect(step.record.clusters.d).toMatchObject({ state: 'Pending', previous: null });
    expect(step.desired).toEqual([
      { cluster: 'a', to: target, cause: 'rollout' },
      { cluster: 'b', to: target, cause: 'rollout' },
    ]);
    expect(step.events).toEqual([{ type: 'rollout.started' }, { type: 'rollout.stage.started', stage: 'canary' }]);
    expect(step.record.stages[0]).toMatchObject({ state: 'Progressing', batches: [{ state: 'Progressing' }, { state: 'Pending' }] });
    expect(step.record.gate).toEqual({ kind: 'health', stage: 'canary', until: t0 + seconds(600) });
  });

  it('refuses a strategy it cannot follow', () => {
    expect(() => begin({ stages: [] }, clusterA)).toThrow('stages: name at least one stage');
  });

  it('succeeds at once with no targets', () => {
    const { step } = begin(oneStage({ approvalBefore: true }), []);
    expect(step.record).toMatchObject({ state: 'Succeeded', finishedAt: t0 });
    expect(step.events.map((event) => event.type)).toEqual(['rollout.started', 'rollout.stage.completed', 'rollout.succeeded']);
  });
});

describe('judging an updating cluster', () => {
  const judged = (stage: Partial<StageStrategy>, observe: (scenario: Scenario) => void, after: number): Scenario => {
    const scenario = begin(oneStage(stage), clusterA);
    observe(scenario);
    stepAt(scenario, t0 + after);
    return scenario;
  };

  it('bakes a healthy cluster until exactly its bake time has passed', () => {
    const scenario = judged({ minBakeTimeSeconds: 60 }, ({ sim }) => sim.converge(), seconds(10));
    expect(scenario.step.record.clusters.a).toMatchObject({ state: 'Baking', healthySince: t0 + seconds(10), since: t0 + seconds(10) });
    expect(scenario.step.record.gate).toEqual({ kind: 'bake', stage: 'canary', until: t0 + seconds(70) });
    expect(stepAt(scenario, t0 + seconds(70) - 1).record.clusters.a.state).toBe('Baking');
    const done = stepAt(scenario, t0 + seconds(70));
    expect(done.record.clusters.a).toMatchObject({ state: 'Succeeded', healthySince: t0 + seconds(10), reason: '' });
    expect(done.events).toEqual([
      { type: 'rollout.cluster.succeeded', stage: 'canary', cluster: 'a' },
      { type: 'rollout.stage.completed', stage: 'canary' },
      { type: 'rollout.succeeded' },
    ]);
    expect(done.record).toMatchObject({ state: 'Succeeded', finishedAt: t0 + seconds(70), gate: null });
  });

  it('succeeds in the same step without a bake', () => {
    const scenario = judged({}, ({ sim }) => sim.converge(), seconds(1));
    expect(scenario.step.record.clusters.a).toMatchObject({ state: 'Succeeded', healthySince: t0 + seconds(1) });
    expect(scenario.step.record.state).toBe('Succeeded');
  });

  it.each<[string, (scenario: Scenario) => void]>([
    ['still at the old bundle', () => undefined],
    ['Progressing at the target', ({ sim }) => sim.converge(() => progressing())],
    ['OutOfSync at the target', ({ sim }) => sim.converge(() => ({ syncState: 'OutOfSync' }))],
    ['with open drift at the target', ({ sim }) => sim.converge().set('a', { openDrift: true })],
    ['Degraded at the old bundle', ({ sim }) => sim.report('a', degraded(), running)],
  ])('keeps a cluster %s updating until the deadline, then times it out', (_, observe) => {
    const scenario = judged({ progressDeadlineSeconds: 100 }, observe, seconds(100) - 1);
    expect(scenario.step.record.clusters.a.state).toBe('Updating');
    expect(scenario.step.record.gate).toEqual({ kind: 'health', stage: 'canary', until: t0 + seconds(100) });
    const timedOut = stepAt(scenario, t0 + seconds(100));
    expect(timedOut.record.clusters.a).toMatchObject({ state: 'TimedOut', since: t0 + seconds(100) });
    expect(timedOut.record.clusters.a.reason).toMatch(/^not healthy at r2 within 100 s; last seen: /);
    expect(timedOut.events[0]).toEqual({ type: 'rollout.cluster.failed', stage: 'canary', cluster: 'a', reason: timedOut.record.clusters.a.reason });
  });

  it.each<[string, (scenario: Scenario) => void, string]>([
    ['its last health', ({ sim }) => sim.converge(() => progressing('deployment web: 1 of 3 updated')), 'Progressing: deployment web: 1 of 3 updated, Synced'],
    ['the bundle it still runs', () => undefined, 'Healthy, Synced, at bundle sha256:r1'],
    ['its drift', ({ sim }) => sim.converge().set('a', { openDrift: true }), 'Healthy, Synced, drifted'],
    ['that it never reported', ({ sim }) => sim.set('a', { reported: null }), 'no status reported'],
  ])('names %s when it times out', (_, observe, lastSeen) => {
    const scenario = judged({}, observe, seconds(600));
    expect(scenario.step.record.clusters.a.reason).toBe(`not healthy at r2 within 600 s; last seen: ${lastSeen}`);
  });

  it.each<[string, (scenario: Scenario) => void, string]>([
    ['Degraded', ({ sim }) => sim.converge(() => degraded('pod web-1: CrashLoopBackOff')), 'Degraded: pod web-1: CrashLoopBackOff'],
    ['a failed sync, by its error', ({ sim }) => sim.converge(() => ({ syncState: 'Failed', error: 'Deployment web: admission webhook denied' })), 'Deployment web: admission webhook denied'],
    ['a failed sync without an error', ({ sim }) => sim.converge(() => ({ syncState: 'Failed' })), 'sync failed'],
  ])('fails a cluster %s at the target at once', (_, observe, reason) => {
    const scenario = judged({ maxFailures: 1 }, observe, seconds(1));
    expect(scenario.step.record.clusters.a).toMatchObject({ state: 'Failed', reason, healthySince: null });
    expect(scenario.step.events[0]).toEqual({ type: 'rollout.cluster.failed', stage: 'canary', cluster: 'a', reason });
  });

  it('does not hold a failure reported before the cluster started against it', () => {
    const sim = new FleetSim(['a'], target).report('a', degraded('left from an earlier attempt'));
    const scenario = begin(oneStage({ progressDeadlineSeconds: 60 }), clusterA, { sim });
    expect(scenario.step.record.clusters.a.state).toBe('Updating');
    const timedOut = stepAt(scenario, t0 + seconds(60));
    expect(timedOut.record.clusters.a).toMatchObject({ state: 'TimedOut', reason: 'not healthy at r2 within 60 s; last seen: Degraded: left from an earlier attempt, Synced' });
  });

  it('fails a baking cluster that turns Degraded', () => {
    const scenario = judged({ minBakeTimeSeconds: 60, maxFailures: 1 }, ({ sim }) => sim.converge(), seconds(1));
    scenario.sim.report('a', degraded());
    expect(stepAt(scenario, t0 + seconds(2)).record.clusters.a).toMatchObject({ state: 'Failed', healthySince: null });
  });

  it('takes a baking cluster that stops being healthy back to updating, and bakes it afresh', () => {
    const scenario = judged({ minBakeTimeSeconds: 60 }, ({ sim }) => sim.converge(), seconds(10));
    scenario.sim.report('a', progressing());
    const interrupted = stepAt(scenario, t0 + seconds(50));
    expect(interrupted.record.clusters.a).toMatchObject({ state: 'Updating', healthySince: null, startedAt: t0 });
    expect(interrupted.events).toEqual([]);
    scenario.sim.report('a');
    expect(stepAt(scenario, t0 + seconds(80)).record.clusters.a).toMatchObject({ state: 'Baking', healthySince: t0 + seconds(80) });
    expect(stepAt(scenario, t0 + seconds(139)).record.clusters.a.state).toBe('Baking');
    expect(stepAt(scenario, t0 + seconds(140)).record.clusters.a.state).toBe('Succeeded');
  });

  it('counts the deadline from the start through an interrupted bake', () => {
    const scenario = judged({ minBakeTimeSeconds: 900, progressDeadlineSeconds: 600, maxFailures: 1 }, ({ sim }) => sim.converge(), seconds(10));
    scenario.sim.report('a', progressing());
    expect(stepAt(scenario, t0 + seconds(600)).record.clusters.a).toMatchObject({ state: 'TimedOut', healthySince: null });
  });

  it.each<[string, (scenario: Scenario) => void]>([
    ['updating', () => undefined],
    ['baking', ({ sim }) => sim.converge()],
  ])('skips a cluster whose agent disconnects while %s, not counting it as failed', (_, observe) => {
    const scenario = begin(oneStage({ minBakeTimeSeconds: 60 }), fleetOf(['a', 'b']));
    observe(scenario);
    scenario.sim.set('a', { connected: false });
    const step = stepAt(scenario, t0 + seconds(5));
    expect(step.record.clusters.a).toMatchObject({ state: 'Skipped', reason: 'agent not connected', startedAt: t0, healthySince: null });
    expect(step.events[0]).toEqual({ type: 'rollout.cluster.skipped', stage: 'canary', cluster: 'a', reason: 'agent not connected' });
    expect(step.record.state).toBe('Progressing');
    // Its desired state already names the target: the end of the rollout writes nothing more for it.
    scenario.sim.converge();
    const baked = [stepAt(scenario, t0 + seconds(10)), stepAt(scenario, t0 + seconds(70))];
    expect(scenario.step.record.state).toBe('Succeeded');
    expect(baked.flatMap((step) => step.desired)).toEqual([]);
  });
});

describe('starting clusters', () => {
  it('skips a disconnected cluster without changing it, and brings it to the target when the rollout succeeds', () => {
    const sim = new FleetSim(['a', 'b', 'c']).set('b', { connected: false });
    const scenario = begin(oneStage({ maxConcurrency: 2 }), fleetOf(['a', 'b', 'c']), { sim });
    expect(scenario.step.record.clusters.b).toMatchObject({ state: 'Skipped', reason: 'agent not connected', startedAt: null });
    // The skipped cluster does not take a place in the batch: the next batch waits for a only.
    expect(scenario.step.desired.map((change) => change.cluster)).toEqual(['a']);
    expect(scenario.step.events).toContainEqual({ type: 'rollout.cluster.skipped', stage: 'canary', cluster: 'b', reason: 'agent not connected' });
    scenario.sim.converge();
    const next = stepAt(scenario, t0 + seconds(1));
    expect(next.desired).toEqual([{ cluster: 'c', to: target, cause: 'rollout' }]);
    scenario.sim.converge();
    const end = stepAt(scenario, t0 + seconds(2));
    expect(end.record.state).toBe('Succeeded');
    expect(end.desired).toEqual([{ cluster: 'b', to: target, cause: 'rollout' }]);
    expect(end.record.clusters.b).toMatchObject({ state: 'Skipped', startedAt: t0 + seconds(2) });
    expect(rolloutProgress(end.record)).toEqual({ total: 3, pending: 0, updating: 0, baking: 0, succeeded: 2, failed: 0, timedOut: 0, skipped: 1, rolledBack: 0 });
  });

  it.each<[string, Partial<ClusterObservation>, string]>([
    ['disconnected', { connected: false }, 'agent not connected'],
    ['paused by an operator', { paused: true }, 'cluster paused'],
  ])('skips a cluster %s when its batch starts, saying why', (_, observation, reason) => {
    const sim = new FleetSim(['a', 'b']).set('a', observation);
    const { step } = begin(oneStage({ maxConcurrency: 1 }), fleetOf(['a', 'b']), { sim });
    expect(step.record.clusters.a).toMatchObject({ state: 'Skipped', reason, startedAt: null });
    expect(clusterStates(step.record)).toEqual({ a: 'Skipped', b: 'Updating' });
  });

  it('skips a cluster paused while it updates instead of letting it time out', () => {
    const scenario = begin(oneStage({ progressDeadlineSeconds: 30 }), fleetOf(['a', 'b']));
    scenario.sim.set('a', { paused: true });
    const step = stepAt(scenario, t0 + seconds(5));
    expect(step.record.clusters.a).toMatchObject({ state: 'Skipped', reason: 'cluster paused', startedAt: t0 });
  });

  it('takes a cluster the hub does not know as disconnected', () => {
    const sim = new FleetSim(['a']);
    const scenario = begin(oneStage(), fleetOf(['a', 'ghost']), { sim, targets: { a: target, ghost: target } });
    expect(scenario.step.record.clusters.ghost).toMatchObject({ state: 'Skipped', previous: null });
  });

  it('a batch of only disconnected clusters is done at once, and the next starts in the same step', () => {
    const sim = new FleetSim(['a', 'b', 'c']).set('a', { connected: false }).set('b', { connected: false });
    const { step } = begin(oneStage({ maxConcurrency: 2 }), fleetOf(['a', 'b', 'c']), { sim });
    expect(clusterStates(step.record)).toEqual({ a: 'Skipped', b: 'Skipped', c: 'Updating' });
    expect(step.record.stages[0].batches.map((batch) => batch.state)).toEqual(['Succeeded', 'Progressing']);
  });

  it('a cluster already healthy at the target is judged in the step that starts it', () => {
    const sim = new FleetSim(['a', 'b'], target);
    const { step } = begin({ stages: [{ name: 'one', maxConcurrency: 1 }] }, fleetOf(['a', 'b']), { sim });
    expect(clusterStates(step.record)).toEqual({ a: 'Succeeded', b: 'Succeeded' });
    expect(step.desired.map((change) => change.cluster)).toEqual(['a', 'b']);
    expect(step.record.state).toBe('Succeeded');
  });
});

describe('pacing', () => {
  const paced = (): Scenario => begin(oneStage({}, { maxClustersPerMinute: 2 }), fleetOf(['a', 'b', 'c', 'd', 'e']));

  it('starts at most that many clusters in any minute, and says until when the rest waits', () => {
    const scenario = paced();
    expect(scenario.step.desired.map((change) => change.cluster)).toEqual(['a', 'b']);
    expect(clusterStates(scenario.step.record)).toMatchObject({ c: 'Pending', d: 'Pending', e: 'Pending' });
    expect(scenario.step.record.gate).toEqual({ kind: 'pacing', stage: 'canary', until: t0 + seconds(60) });
    scenario.sim.converge();
    const early = stepAt(scenario, t0 + seconds(60) - 1);
    expect(early.desired).toEqual([]);
    expect(early.record.gate).toEqual({ kind: 'pacing', stage: 'canary', until: t0 + seconds(60) });
    const later = stepAt(scenario, t0 + seconds(60));
    expect(later.desired.map((change) => change.cluster)).toEqual(['c', 'd']);
    expect(later.record.recentStarts).toEqual([t0 + seconds(60), t0 + seconds(60)]);
  });

  it('counts starts across a window, not per step', () => {
    const scenario = begin({ stages: [{ name: 'one', maxConcurrency: 1 }], maxClustersPerMinute: 2 }, fleetOf(['a', 'b', 'c']));
    scenario.sim.converge();
    expect(stepAt(scenario, t0 + seconds(30)).desired.map((change) => change.cluster)).toEqual(['b']);
    scenario.sim.converge();
    const held = stepAt(scenario, t0 + seconds(45));
    expect(held.desired).toEqual([]);
    expect(held.record.gate).toEqual({ kind: 'pacing', stage: 'one', until: t0 + seconds(60) });
    expect(stepAt(scenario, t0 + seconds(60)).desired.map((change) => change.cluster)).toEqual(['c']);
    expect(scenario.step.record.recentStarts).toEqual([t0 + seconds(30), t0 + seconds(60)]);
  });
});

describe('failures', () => {
  const threeClusters = fleetOf(['a', 'b', 'c']);

  it('tolerates failures up to maxFailures and goes on', () => {
    const scenario = begin(oneStage({ maxFailures: '50%', maxConcurrency: 1 }), threeClusters);
    scenario.sim.converge(() => degraded());
    const step = stepAt(scenario, t0 + seconds(1));
    expect(clusterStates(step.record)).toEqual({ a: 'Failed', b: 'Updating', c: 'Pending' });
    expect(step.record.state).toBe('Progressing');
    scenario.sim.converge();
    stepAt(scenario, t0 + seconds(2));
    scenario.sim.converge();
    expect(stepAt(scenario, t0 + seconds(3)).record).toMatchObject({ state: 'Succeeded' });
  });

  it('pauses once failures exceed the budget, naming the stage and its clusters', () => {
    const scenario = begin(oneStage({ maxFailures: 1, maxConcurrency: 2 }), threeClusters);
    scenario.sim.converge(() => degraded('pod web: OOMKilled'));
    const step = stepAt(scenario, t0 + seconds(1));
    expect(step.record.state).toBe('Paused');
    expect(step.record.reason).toBe('stage canary has 2 failed clusters, more than the 1 it tolerates: a (Degraded: pod web: OOMKilled); b (Degraded: pod web: OOMKilled)');
    expect(step.record.gate).toEqual({ kind: 'failure', stage: 'canary', until: null });
    expect(step.record.stages[0]).toMatchObject({ state: 'Failed', batches: [{ state: 'Failed' }, { state: 'Pending' }] });
    expect(step.events.map((event) => event.type)).toEqual(['rollout.cluster.failed', 'rollout.cluster.failed', 'rollout.paused']);
    expect(step.events[2]).toEqual({ type: 'rollout.paused', stage: 'canary', reason: step.record.reason });
    expect(step.desired).toEqual([]);
    // Nothing new starts while paused.
    expect(stepAt(scenario, t0 + seconds(2)).record.clusters.c.state).toBe('Pending');
  });

  it('counts timed-out clusters as failures', () => {
    const scenario = begin(oneStage({ progressDeadlineSeconds: 60 }), fleetOf(['a']));
    expect(stepAt(scenario, t0 + seconds(60)).record).toMatchObject({ state: 'Paused', gate: { kind: 'failure' } });
  });

  it('still watches clusters under way while paused on failure', () => {
    const scenario = begin(oneStage({ maxConcurrency: 2 }), threeClusters);
    scenario.sim.report('a', degraded(), target);
    stepAt(scenario, t0 + seconds(1));
    scenario.sim.converge();
    const step = stepAt(scenario, t0 + seconds(2));
    expect(clusterStates(step.record)).toEqual({ a: 'Failed', b: 'Succeeded', c: 'Pending' });
    expect(step.record.state).toBe('Paused');
    expect(step.events).toEqual([{ type: 'rollout.cluster.succeeded', stage: 'canary', cluster: 'b' }]);
  });

  it.each<[RolloutStrategy['onFailure'], string]>([
    ['pause', 'Paused'],
    ['rollback', 'RollingBack'],
  ])('follows onFailure %s when a cluster fails during an operator pause', (onFailure, state) => {
    const scenario = begin(oneStage({}, { onFailure }), threeClusters);
    const paused: RolloutRecord = { ...scenario.step.record, state: 'Paused', reason: 'by ops', gate: null };
    scenario.sim.converge(() => degraded());
    const step = stepRollout({ strategy: scenario.strategy, record: paused, observations: scenario.sim.observations(), now: t0 + seconds(1) });
    expect(step.record.state).toBe(state);
    expect(step.record.reason).toMatch(/^stage canary has 3 failed clusters/);
    expect(step.record.gate).toEqual(onFailure === 'pause' ? { kind: 'failure', stage: 'canary', until: null } : null);
  });

  describe('rolling back', () => {
    const strategy: RolloutStrategy = {
      onFailure: 'rollback',
      stages: [
        { name: 'canary', selector: 'ring=canary', progressDeadlineSeconds: 120 },
        { name: 'prod', maxConcurrency: 2, progressDeadlineSeconds: 300 },
      ],
    };
    const fleet = fleetOf(['c1', 'p1', 'p2', 'p3', 'p4'], (name) => ({ ring: name.startsWith('c') ? 'canary' : 'prod' }));
    /** c1 succeeds, p1 (which ran nothing) and p2 start next; p2 fails. */
    const failedInProd = (): Scenario => {
      const sim = new FleetSim(fleet.map((cluster) => cluster.name)).set('p1', { desired: null, reported: null });
      const scenario = begin(strategy, fleet, { sim });
      scenario.sim.converge();
      stepAt(scenario, t0 + seconds(10));
      scenario.sim.converge((cluster) => (cluster === 'p2' ? degraded() : {}));
      return scenario;
    };

    it('returns every changed cluster to what it ran, the latest started first', () => {
      const scenario = failedInProd();
      const step = stepAt(scenario, t0 + seconds(20));
      expect(step.record.state).toBe('RollingBack');
      expect(step.desired).toEqual([
        { cluster: 'p2', to: running, cause: 'rollback' },
        { cluster: 'p1', to: null, cause: 'rollback' },
        { cluster: 'c1', to: running, cause: 'rollback' },
      ]);
      expect(clusterStates(step.record)).toEqual({ c1: 'RolledBack', p1: 'RolledBack', p2: 'RolledBack', p3: 'Pending', p4: 'Pending' });
      expect(step.record.clusters.p2.reason).toBe('rolled back from Failed (Degraded: pod web: CrashLoopBackOff)');
      expect(step.record.clusters.c1.reason).toBe('rolled back from Succeeded');
      expect(step.events.map((event) => event.type)).toEqual(['rollout.cluster.succeeded', 'rollout.cluster.failed', 'rollout.rolling-back']);
      expect(step.events[2].reason).toMatch(/^stage prod has 1 failed clusters, more than the 0 it tolerates: p2/);
      expect(step.record.gate).toBeNull();
    });

    it('has rolled back once every cluster runs its previous revision again or is disconnected', () => {
      const scenario = failedInProd();
      stepAt(scenario, t0 + seconds(20));
      scenario.sim.report('c1').set('p1', { reported: null });
      expect(stepAt(scenario, t0 + seconds(30)).record.state).toBe('RollingBack');
      scenario.sim.set('p2', { connected: false });
      const step = stepAt(scenario, t0 + seconds(40));
      expect(step.record).toMatchObject({ state: 'RolledBack', finishedAt: t0 + seconds(40) });
      expect(step.events).toEqual([{ type: 'rollout.rolled-back', reason: step.record.reason }]);
      expect(step.desired).toEqual([]);
    });

    it('takes a cluster that ran nothing as returned once its desired state is gone', () => {
      const scenario = failedInProd();
      stepAt(scenario, t0 + seconds(20));
      scenario.sim.report('c1').report('p2');
      // p1 still reports the target, but its desired state is already gone (written above).
      expect(scenario.sim.get('p1').desired).toBeNull();
      expect(stepAt(scenario, t0 + seconds(30)).record.state).toBe('RolledBack');
    });

    it('fails when clusters do not return within the longest deadline of the stages', () => {
      const scenario = failedInProd();
      stepAt(scenario, t0 + seconds(20));
      expect(stepAt(scenario, t0 + seconds(320) - 1).record.state).toBe('RollingBack');
      const step = stepAt(scenario, t0 + seconds(320));
      expect(step.record).toMatchObject({ state: 'Failed', finishedAt: t0 + seconds(320) });
      expect(step.record.reason).toMatch(/^rollback did not complete within 300 s: c1, p2 did not return to their previous revision \(after: stage prod/);
      expect(step.events).toEqual([{ type: 'rollout.failed', reason: step.record.reason }]);
    });

    it('ends at once when every changed cluster is disconnected or never left its previous revision', () => {
      const scenario = begin(strategy, fleet);
      scenario.sim.converge();
      stepAt(scenario, t0 + seconds(10));
      // p1 gets healthy; p2 never applies the target and times out.
      scenario.sim.report('p1');
      stepAt(scenario, t0 + seconds(15));
      scenario.sim.set('c1', { connected: false }).set('p1', { connected: false });
      const step = stepAt(scenario, t0 + seconds(310));
      expect(step.record).toMatchObject({ state: 'RolledBack', finishedAt: t0 + seconds(310) });
      expect(step.desired.map((change) => change.cluster)).toEqual(['p2', 'p1', 'c1']);
      expect(step.events.map((event) => event.type)).toEqual(['rollout.cluster.failed', 'rollout.rolling-back', 'rollout.rolled-back']);
    });
  });
});

describe('approvals', () => {
  const strategy: RolloutStrategy = {
    stages: [
      { name: 'canary', selector: 'ring=canary', approvalAfter: true },
      { name: 'prod', approvalBefore: true },
    ],
  };
  const fleet = fleetOf(['c1', 'p1'], (name) => ({ ring: name.startsWith('c') ? 'canary' : 'prod' }));

  it('waits after a stage that asks for it, with its gate', () => {
    const scenario = begin(strategy, fleet);
    scenario.sim.converge();
    const step = stepAt(scenario, t0 + seconds(1));
    expect(step.record).toMatchObject({ state: 'WaitingForApproval', reason: 'stage canary waits for approval after it succeeded', gate: { kind: 'approval-after', stage: 'canary', until: null } });
    expect(step.record.stages.map((stage) => stage.state)).toEqual(['Succeeded', 'Pending']);
    expect(step.events.map((event) => event.type)).toEqual(['rollout.cluster.succeeded', 'rollout.stage.completed', 'rollout.waiting-for-approval']);
    expect(step.desired).toEqual([]);
  });

  it('waits before a stage that asks for it', () => {
    const scenario = begin(strategy, fleet);
    scenario.sim.converge();
    const approved = stepAt(scenario, t0 + seconds(1)).record;
    approved.stages[0].approvedAfter = true;
    approved.state = 'Progressing';
    const step = stepRollout({ strategy, record: approved, observations: scenario.sim.observations(), now: t0 + seconds(2) });
    expect(step.record).toMatchObject({ state: 'WaitingForApproval', gate: { kind: 'approval-before', stage: 'prod', until: null } });
    expect(step.record.stages[1].state).toBe('WaitingForApproval');
    expect(step.events).toEqual([{ type: 'rollout.waiting-for-approval', stage: 'prod', reason: 'stage prod waits for approval before it starts' }]);
  });

  it('does not wait for a stage that has no clusters', () => {
    const { step } = begin({ stages: [{ name: 'nobody', selector: 'ring=none', approvalBefore: true, approvalAfter: true }, { name: 'all' }] }, fleet);
    expect(step.record.stages.map((stage) => stage.state)).toEqual(['Succeeded', 'Progressing']);
    expect(step.record.state).toBe('Progressing');
  });
});

describe('a step', () => {
  const strategy: RolloutStrategy = { stages: [{ name: 'canary', selector: 'ring=canary', minBakeTimeSeconds: 30 }, { name: 'prod', maxConcurrency: 2, approvalBefore: true }], maxClustersPerMinute: 3 };
  const fleet = fleetOf(['c1', 'c2', 'p1', 'p2', 'p3'], (name) => ({ ring: name.startsWith('c') ? 'canary' : 'prod' }));
  const moments: Array<[string, (scenario: Scenario) => number]> = [
    ['just started', () => t0],
    ['baking', ({ sim }) => (sim.converge(), t0 + seconds(5))],
    ['waiting for approval', ({ sim }) => (sim.converge(), t0 + seconds(40))],
    ['paused on failure', ({ sim }) => (sim.converge(() => degraded()), t0 + seconds(5))],
    ['timed out', () => t0 + seconds(600)],
    ['disconnected', ({ sim }) => (sim.set('c1', { connected: false }), t0 + seconds(5))],
  ];
  const reached = (moment: (scenario: Scenario) => number): Scenario => {
    const scenario = begin(strategy, fleet);
    stepAt(scenario, moment(scenario));
    return scenario;
  };

  it.each(moments)('changes nothing when taken again with the same inputs (%s)', (_, moment) => {
    const scenario = reached(moment);
    const first = scenario.step;
    const again = stepRollout({ strategy, record: first.record, observations: scenario.sim.observations(), now: scenario.now });
    expect(again.desired).toEqual([]);
    expect(again.events).toEqual([]);
    expect(again.record).toEqual(first.record);
  });

  it.each(moments)('gives the same result from a stored and reloaded record (%s)', (_, moment) => {
    const scenario = reached(moment);
    scenario.sim.converge();
    const later = scenario.now + seconds(31);
    const fromMemory = stepRollout({ strategy, record: scenario.step.record, observations: scenario.sim.observations(), now: later });
    const stored: RolloutRecord = JSON.parse(JSON.stringify(scenario.step.record));
    const fromStore = stepRollout({ strategy, record: stored, observations: scenario.sim.observations(), now: later });
    expect(fromStore).toEqual(fromMemory);
    expect(JSON.parse(JSON.stringify(fromMemory.record))).toEqual(fromMemory.record);
  });

  it.each<[string, RolloutStrategy, (scenario: Scenario) => void, Partial<RolloutRecord>]>([
    ['rolling back', { onFailure: 'rollback', stages: [{ name: 'one' }] }, ({ sim }) => sim.converge((cluster) => (cluster === 'a' ? degraded() : {})), { state: 'RollingBack' }],
    ['paced', { maxClustersPerMinute: 1, stages: [{ name: 'one' }] }, ({ sim }) => sim.converge(), { state: 'Progressing', gate: { kind: 'pacing', stage: 'one', until: t0 + seconds(60) } }],
  ])('changes nothing when taken again with the same inputs (%s)', (_, strategyOfMoment, moment, expected) => {
    const scenario = begin(strategyOfMoment, fleetOf(['a', 'b']));
    moment(scenario);
    const first = stepAt(scenario, t0 + seconds(5));
    expect(first.record).toMatchObject(expected);
    const again = stepRollout({ strategy: strategyOfMoment, record: first.record, observations: scenario.sim.observations(), now: scenario.now });
    expect(again).toEqual({ record: first.record, desired: [], events: [] });
  });

  it('never changes the record it is given', () => {
    const scenario = begin(strategy, fleet);
    scenario.sim.converge();
    const before = structuredClone(scenario.step.record);
    const step = stepRollout({ strategy, record: scenario.step.record, observations: scenario.sim.observations(), now: t0 + seconds(40) });
    expect(step.record.clusters.c1.state).toBe('Baking');
    expect(scenario.step.record).toEqual(before);
  });

  it.each<RolloutRecord['state']>(['Succeeded', 'Failed', 'RolledBack', 'Aborted', 'Superseded', 'WaitingForApproval'])('leaves a %s rollout as it is', (state) => {
    const scenario = begin(strategy, fleet);
    scenario.sim.converge();
    const record = { ...scenario.step.record, state };
    const step = stepRollout({ strategy, record, observations: scenario.sim.observations(), now: t0 + seconds(100) });
    // A waiting rollout still judges clusters under way; a finished one does not.
    const expectedStates = state === 'WaitingForApproval' ? { c1: 'Baking', c2: 'Baking' } : { c1: 'Updating', c2: 'Updating' };
    expect(clusterStates(step.record)).toMatchObject({ ...expectedStates, p1: 'Pending' });
    expect(step.desired).toEqual([]);
    expect(step.record.state).toBe(state);
  });

  it('judges clusters under way in a paused rollout, but starts none', () => {
    const scenario = begin(strategy, fleet);
    scenario.sim.converge();
    const paused: RolloutRecord = { ...scenario.step.record, state: 'Paused', reason: 'by ops', gate: null };
    const step = stepRollout({ strategy, record: paused, observations: scenario.sim.observations(), now: t0 + seconds(100) });
    expect(clusterStates(step.record)).toEqual({ c1: 'Baking', c2: 'Baking', p1: 'Pending', p2: 'Pending', p3: 'Pending' });
    expect(step.record).toMatchObject({ state: 'Paused', reason: 'by ops', gate: null });
    expect(step.desired).toEqual([]);
  });
});
