import { actOnRollout } from './actions';
import { begin, clusterStates, degraded, fleetOf, Scenario, seconds, stepAt, t0, target } from './rollout.fixtures';
import { supersedeRollout } from './rollout';
import { RolloutAction, RolloutActionError, RolloutRecord, RolloutStep, RolloutStrategy } from './types';

const strategy: RolloutStrategy = {
  stages: [
    { name: 'canary', selector: 'ring=canary', maxConcurrency: 1, minBakeTimeSeconds: 300, approvalAfter: true },
    { name: 'prod', maxConcurrency: 2, approvalBefore: true },
  ],
};
const fleet = fleetOf(['c1', 'c2', 'p1', 'p2', 'p3'], (name) => ({ ring: name.startsWith('c') ? 'canary' : 'prod' }));

const act = (scenario: Scenario, action: RolloutAction, now = scenario.now + seconds(1)): RolloutStep => {
  scenario.now = now;
  scenario.step = actOnRollout({ strategy: scenario.strategy, record: scenario.step.record, action, observations: scenario.sim.observations(), now });
  scenario.sim.write(scenario.step.desired);
  scenario.sim.clock = now;
  return scenario.step;
};
const refusal = (scenario: Scenario, action: RolloutAction): string => {
  try {
    act(scenario, action);
  } catch (error) {
    expect(error).toBeInstanceOf(RolloutActionError);
    return (error as Error).message;
  }
  throw new Error(`${action.type} was not refused`);
};

/** Scenarios at the states the actions care about. */
const baking = (): Scenario => {
  const scenario = begin(strategy, fleet);
  scenario.sim.converge();
  stepAt(scenario, t0 + seconds(10));
  return scenario;
};
const waitingAfterCanary = (): Scenario => {
  const scenario = baking();
  stepAt(scenario, t0 + seconds(310));
  scenario.sim.converge();
  stepAt(scenario, t0 + seconds(320));
  stepAt(scenario, t0 + seconds(620));
  expect(scenario.step.record.gate).toEqual({ kind: 'approval-after', stage: 'canary', until: null });
  return scenario;
};
const waitingBeforeProd = (): Scenario => {
  const scenario = waitingAfterCanary();
  act(scenario, { type: 'approve', stage: 'canary', reason: '' });
  expect(scenario.step.record.gate).toEqual({ kind: 'approval-before', stage: 'prod', until: null });
  return scenario;
};
/** prod's first batch: p1 failed, p2 under way; the rollout paused on failure. */
const pausedOnFailure = (): Scenario => {
  const scenario = waitingBeforeProd();
  act(scenario, { type: 'approve', stage: 'prod', reason: '' });
  scenario.sim.report('p1', degraded());
  stepAt(scenario, scenario.now + seconds(1));
  expect(scenario.step.record).toMatchObject({ state: 'Paused', gate: { kind: 'failure', stage: 'prod' } });
  return scenario;
};
const finished = (state: RolloutRecord['state']) => (): Scenario => {
  const scenario = baking();
  scenario.step = { ...scenario.step, record: { ...scenario.step.record, state, finishedAt: t0 + seconds(10) } };
  return scenario;
};

describe('pause', () => {
  it('pauses a rollout in progress with the reason given; clusters under way are still judged', () => {
    const scenario = baking();
    const step = act(scenario, { type: 'pause', reason: 'alice: checking dashboards' });
    expect(step.record).toMatchObject({ state: 'Paused', reason: 'alice: checking dashboards', gate: null });
    expect(step.events).toEqual([{ type: 'rollout.paused', reason: 'alice: checking dashboards' }]);
    const later = stepAt(scenario, t0 + seconds(310));
    expect(clusterStates(later.record)).toMatchObject({ c1: 'Succeeded', c2: 'Pending' });
    expect(later.desired).toEqual([]);
  });

  it('pauses a rollout waiting for approval; resuming waits for it again', () => {
    const scenario = waitingBeforeProd();
    act(scenario, { type: 'pause', reason: 'freeze' });
    expect(scenario.step.record.state).toBe('Paused');
    const resumed = act(scenario, { type: 'resume', reason: 'thaw' });
    expect(resumed.record).toMatchObject({ state: 'WaitingForApproval', gate: { kind: 'approval-before', stage: 'prod' } });
    expect(resumed.events.map((event) => event.type)).toEqual(['rollout.resumed', 'rollout.waiting-for-approval']);
  });

  it.each<[string, () => Scenario]>([
    ['paused', pausedOnFailure],
    ['rolling back', () => ({ ...baking(), step: { ...baking().step, record: { ...baking().step.record, state: 'RollingBack' } } })],
  ])('is refused when the rollout is %s', (_, scenario) => {
    expect(refusal(scenario(), { type: 'pause', reason: '' })).toMatch(/^cannot pause a rollout that is (Paused|RollingBack)$/);
  });
});

describe('resume', () => {
  it('goes on from an operator pause, starting what waited', () => {
    const scenario = baking();
    act(scenario, { type: 'pause', reason: 'wait' });
    stepAt(scenario, t0 + seconds(310));
    const step = act(scenario, { type: 'resume', reason: 'go' });
    expect(step.record).toMatchObject({ state: 'Progressing', reason: '' });
    expect(step.events).toEqual([{ type: 'rollout.resumed', reason: 'go' }]);
    expect(step.desired).toEqual([{ cluster: 'c2', to: target, cause: 'rollout' }]);
  });

  it('accepts the failures a rollout paused on, and the stage goes on', () => {
    const scenario = pausedOnFailure();
    scenario.sim.converge();
    const step = act(scenario, { type: 'resume', reason: 'p1 is known flaky' });
    expect(step.record.stages[1]).toMatchObject({ state: 'Progressing', acceptedFailures: 1 });
    expect(step.events[0]).toEqual({ type: 'rollout.resumed', stage: 'prod', reason: 'p1 is known flaky' });
    // p2 succeeded meanwhile, so the first batch is done and the next one starts.
    expect(step.record.stages[1].batches.map((batch) => batch.state)).toEqual(['Succeeded', 'Progressing']);
    expect(step.desired).toEqual([{ cluster: 'p3', to: target, cause: 'rollout' }]);
    // A further failure exceeds the budget again.
    scenario.sim.report('p3', degraded());
    expect(stepAt(scenario, scenario.now + seconds(1)).record.state).toBe('Paused');
  });

  it('is refused when the rollout is not paused', () => {
    expect(refusal(baking(), { type: 'resume', reason: '' })).toBe('cannot resume a rollout that is Progressing: only a paused one');
  });
});

describe('approve', () => {
  it('approves the stage waited on after it', () => {
    const scenario = waitingAfterCanary();
    const step = act(scenario, { type: 'approve', stage: 'canary', reason: 'bob: metrics fine' });
    expect(step.record.stages[0].approvedAfter).toBe(true);
    expect(step.events[0]).toEqual({ type: 'rollout.resumed', stage: 'canary', reason: 'approved after the stage: bob: metrics fine' });
  });

  it('approves the stage waited on before it, which then starts', () => {
    const scenario = waitingBeforeProd();
    const step = act(scenario, { type: 'approve', stage: 'prod', reason: '' });
    expect(step.record.stages[1]).toMatchObject({ approvedBefore: true, state: 'Progressing' });
    expect(step.record.state).toBe('Progressing');
    expect(step.desired.map((change) => change.cluster)).toEqual(['p1', 'p2']);
    expect(step.events.map((event) => event.type)).toEqual(['rollout.resumed', 'rollout.stage.started']);
  });

  it.each<[string, () => Scenario, string, string]>([
    ['another stage than the one waited on', waitingAfterCanary, 'prod', 'stage prod is not waiting for approval (stage canary is)'],
    ['a stage of a rollout waiting for nothing', baking, 'canary', 'stage canary is not waiting for approval'],
    ['a stage of a rollout paused on failure', pausedOnFailure, 'prod', 'stage prod is not waiting for approval'],
  ])('is refused for %s', (_, scenario, stage, message) => {
    expect(refusal(scenario(), { type: 'approve', stage, reason: '' })).toBe(message);
  });
});

describe('promote', () => {
  it('approves the gate waited on', () => {
    const scenario = waitingBeforeProd();
    const step = act(scenario, { type: 'promote', reason: 'ship it' });
    expect(step.record.stages[1].approvedBefore).toBe(true);
    expect(step.desired.map((change) => change.cluster)).toEqual(['p1', 'p2']);
  });

  it('ends the bake of every baking cluster', () => {
    const scenario = baking();
    const step = act(scenario, { type: 'promote', reason: 'hotfix' });
    expect(step.record.clusters.c1).toMatchObject({ state: 'Succeeded', reason: '' });
    expect(step.events[0]).toEqual({ type: 'rollout.cluster.succeeded', stage: 'canary', cluster: 'c1', reason: 'promoted before its bake ended: hotfix' });
    expect(step.desired).toEqual([{ cluster: 'c2', to: target, cause: 'rollout' }]);
  });

  it('is refused with nothing to promote', () => {
    expect(refusal(begin(strategy, fleet), { type: 'promote', reason: '' })).toBe('nothing to promote: no approval is waited for and no cluster is baking');
  });
});

describe('abort', () => {
  it.each<[string, () => Scenario]>([
    ['in progress', baking],
    ['paused', pausedOnFailure],
    ['waiting for approval', waitingBeforeProd],
  ])('ends a rollout %s, leaving its clusters as they are', (_, scenario) => {
    const at = scenario();
    const before = clusterStates(at.step.record);
    const step = act(at, { type: 'abort', reason: 'wrong revision' });
    expect(step.record).toMatchObject({ state: 'Aborted', reason: 'wrong revision', finishedAt: at.now, gate: null });
    expect(step.desired).toEqual([]);
    expect(step.events).toEqual([{ type: 'rollout.aborted', reason: 'wrong revision' }]);
    expect(clusterStates(step.record)).toEqual(before);
  });
});

describe('retry', () => {
  it('starts the failed clusters of the failed stage again', () => {
    const scenario = pausedOnFailure();
    const step = act(scenario, { type: 'retry', reason: 'node replaced' });
    expect(step.record.state).toBe('Progressing');
    expect(step.record.clusters.p1).toMatchObject({ state: 'Updating', reason: '', startedAt: scenario.now });
    expect(step.record.stages[1]).toMatchObject({ state: 'Progressing', acceptedFailures: 0, batches: [{ state: 'Progressing' }, { state: 'Pending' }] });
    expect(step.desired).toEqual([{ cluster: 'p1', to: target, cause: 'rollout' }]);
    expect(step.events).toEqual([{ type: 'rollout.resumed', stage: 'prod', reason: 'retrying p1: node replaced' }]);
    // Its Degraded report came before the retry; a new one fails it again.
    scenario.sim.report('p1', degraded());
    expect(stepAt(scenario, scenario.now + seconds(1)).record).toMatchObject({ state: 'Paused', clusters: { p1: { state: 'Failed' } } });
    act(scenario, { type: 'retry', reason: '' });
    scenario.sim.report('p1').converge();
    expect(stepAt(scenario, scenario.now + seconds(1)).desired).toEqual([{ cluster: 'p3', to: target, cause: 'rollout' }]);
  });

  it('retries failures a stage tolerated, and those a resume accepted', () => {
    const scenario = pausedOnFailure();
    act(scenario, { type: 'resume', reason: '' });
    const step = act(scenario, { type: 'retry', reason: '' });
    expect(step.record.stages[1].acceptedFailures).toBe(0);
    expect(step.record.clusters.p1.state).toBe('Updating');
  });

  it.each<[string, () => Scenario, string]>([
    ['without failed clusters', baking, 'nothing to retry: the current stage has no failed or timed-out clusters'],
    ['while waiting for approval', waitingAfterCanary, 'cannot retry a rollout that is WaitingForApproval'],
  ])('is refused %s', (_, scenario, message) => {
    expect(refusal(scenario(), { type: 'retry', reason: '' })).toBe(message);
  });
});

describe('actions on a finished rollout', () => {
  const actions: RolloutAction[] = [
    { type: 'pause', reason: '' },
    { type: 'resume', reason: '' },
    { type: 'promote', reason: '' },
    { type: 'approve', stage: 'canary', reason: '' },
    { type: 'abort', reason: '' },
    { type: 'retry', reason: '' },
  ];
  it.each((['Succeeded', 'Failed', 'RolledBack', 'Aborted', 'Superseded'] as const).flatMap((state) => actions.map((action) => [state, action.type, action] as const)))(
    'refuses on a %s rollout: %s',
    (state, type, action) => {
      expect(refusal(finished(state)(), action)).toBe(`cannot ${type} a rollout that has ended (${state})`);
    },
  );
});

describe('superseding', () => {
  it('ends the rollout without touching its clusters', () => {
    const scenario = baking();
    const step = supersedeRollout(scenario.step.record, t0 + seconds(20), 'revision r3 replaces it');
    expect(step.record).toMatchObject({ state: 'Superseded', reason: 'revision r3 replaces it', finishedAt: t0 + seconds(20), gate: null });
    expect(step.record.clusters).toEqual(scenario.step.record.clusters);
    expect(step.desired).toEqual([]);
    expect(step.events).toEqual([{ type: 'rollout.superseded', reason: 'revision r3 replaces it' }]);
    expect(scenario.step.record.state).toBe('Progressing');
  });

  it('is refused for a rollout that has ended', () => {
    expect(() => supersedeRollout(finished('Succeeded')().step.record, t0, '')).toThrow(new RolloutActionError('a Succeeded rollout cannot be superseded: it has ended'));
  });
});
