import {
  actOnPolicyRollout,
  heldUnderRollout,
  type PolicyClusterObservation,
  type PolicyHold,
  policyHeld,
  type PolicyObjectViolation,
  type PolicyRolloutAction,
  type PolicyRolloutRecord,
  type PolicyRolloutStrategy,
  startPolicyRollout,
  stepPolicyRollout,
  supersedePolicyRollout,
  validatePolicyRolloutStrategy,
} from './policy-rollout';
import { RolloutActionError, type FleetCluster } from './types';

const fleet: FleetCluster[] = [
  { name: 'dev-1', labels: { stage: 'dev' }, groups: [] },
  { name: 'dev-2', labels: { stage: 'dev' }, groups: [] },
  { name: 'prod-1', labels: { stage: 'prod' }, groups: [] },
  { name: 'prod-2', labels: { stage: 'prod' }, groups: [] },
];
const targets = fleet.map((cluster) => cluster.name);
const strategy: PolicyRolloutStrategy = { stages: [{ name: 'dev', selector: 'stage=dev' }, { name: 'prod', selector: 'stage=prod', maxConcurrency: 1 }] };
const previous: PolicyHold = { version: 1, mode: 'enforce' };
const privileged = (name: string, rule = 'privileged-container'): PolicyObjectViolation => ({ kind: 'Deployment', namespace: 'shop', name, rule, message: `Deployment/shop/${name}: ${rule}` });

/** Every cluster named judged, with the violations given (none by default). */
function observed(judged: readonly string[], violations: Record<string, PolicyObjectViolation[]> = {}): Map<string, PolicyClusterObservation> {
  return new Map(judged.map((cluster) => [cluster, { cluster, judged: true, violations: violations[cluster] ?? [] }]));
}
const start = (observations = observed([]), custom: PolicyRolloutStrategy = strategy) => startPolicyRollout({ version: 2, previous, strategy: custom, fleet, targets, observations, now: 0 });
const step = (record: PolicyRolloutRecord, observations: Map<string, PolicyClusterObservation>, now = 1_000, custom: PolicyRolloutStrategy = strategy) => stepPolicyRollout({ strategy: custom, record, observations, now });
const act = (record: PolicyRolloutRecord, action: PolicyRolloutAction, observations = observed([])) => actOnPolicyRollout({ strategy, record, observations, now: 2_000, action });
/** Each cluster's phase, by name. */
const phases = (record: PolicyRolloutRecord) => Object.fromEntries(Object.values(record.clusters).map((cluster) => [cluster.cluster, cluster.phase]));

describe('a policy rollout, audit → enforce stage by stage', () => {
  it('starts its first batch auditing, and waits until each of its clusters has judged the version', () => {
    const started = start(observed(['dev-1']));
    expect(started.events).toEqual([{ type: 'policy.rollout.started' }]);
    expect(started.record.stages.map((stage) => [stage.name, stage.phase, stage.batches.map((batch) => batch.clusters)])).toEqual([
      ['dev', 'Auditing', [['dev-1', 'dev-2']]],
      ['prod', 'Pending', [['prod-1'], ['prod-2']]],
    ]);
    expect(phases(started.record)).toEqual({ 'dev-1': 'Auditing', 'dev-2': 'Auditing', 'prod-1': 'Pending', 'prod-2': 'Pending' });
    expect(started.record.reason).toBe('stage dev: waiting for dev-2 to audit version 2 and judge its live objects');
  });

  it.each<[string, PolicyRolloutStrategy, Map<string, PolicyClusterObservation>, { state: string; phases: Record<string, string>; events: string[]; reason: string | RegExp }]>([
    [
      'enforces a clean stage, then audits the next one batch by batch',
      strategy,
      observed(['dev-1', 'dev-2']),
      { state: 'Progressing', phases: { 'dev-1': 'Enforced', 'dev-2': 'Enforced', 'prod-1': 'Auditing', 'prod-2': 'Pending' }, events: ['policy.rollout.stage.enforced'], reason: 'stage prod: waiting for prod-1 to audit version 2 and judge its live objects' },
    ],
    [
      'succeeds once every stage is enforced',
      strategy,
      observed(targets),
      { state: 'Succeeded', phases: { 'dev-1': 'Enforced', 'dev-2': 'Enforced', 'prod-1': 'Enforced', 'prod-2': 'Enforced' }, events: ['policy.rollout.stage.enforced', 'policy.rollout.stage.enforced', 'policy.rollout.succeeded'], reason: '' },
    ],
    [
      'pauses at a stage whose violating objects exceed the allowance, naming them',
      strategy,
      observed(targets, { 'prod-1': [privileged('web'), privileged('web', 'allow-privilege-escalation')] }),
      { state: 'Paused', phases: { 'dev-1': 'Enforced', 'dev-2': 'Enforced', 'prod-1': 'Auditing', 'prod-2': 'Pending' }, events: ['policy.rollout.stage.enforced', 'policy.rollout.paused'], reason: 'stage prod: 1 violating object, more than the allowance of 0: Deployment/shop/web on prod-1' },
    ],
    [
      'counts an object once however many rules it fails, and goes on within the allowance',
      { ...strategy, allowance: 1 },
      observed(targets, { 'prod-1': [privileged('web'), privileged('web', 'allow-privilege-escalation')] }),
      { state: 'Succeeded', phases: { 'dev-1': 'Enforced', 'dev-2': 'Enforced', 'prod-1': 'Enforced', 'prod-2': 'Enforced' }, events: ['policy.rollout.stage.enforced', 'policy.rollout.stage.enforced', 'policy.rollout.succeeded'], reason: '' },
    ],
    [
      'counts the allowance over the stage, batch after batch',
      { ...strategy, allowance: 1 },
      observed(targets, { 'prod-1': [privileged('web')], 'prod-2': [privileged('api')] }),
      { state: 'Paused', phases: { 'dev-1': 'Enforced', 'dev-2': 'Enforced', 'prod-1': 'Enforced', 'prod-2': 'Auditing' }, events: ['policy.rollout.stage.enforced', 'policy.rollout.paused'], reason: 'stage prod: 2 violating objects, more than the allowance of 1: Deployment/shop/web on prod-1, Deployment/shop/api on prod-2' },
    ],
    [
      'waits for a cluster that has not judged the version (an agent away), however clean the others are',
      strategy,
      new Map([...observed(['dev-1']), ['dev-2', { cluster: 'dev-2', judged: false, violations: [] }]]),
      { state: 'Progressing', phases: { 'dev-1': 'Auditing', 'dev-2': 'Auditing', 'prod-1': 'Pending', 'prod-2': 'Pending' }, events: [], reason: 'stage dev: waiting for dev-2 to audit version 2 and judge its live objects' },
    ],
    [
      'audits each batch for the bake time before judging it',
      { stages: [{ name: 'dev', selector: 'stage=dev', minBakeTimeSeconds: 5 }, { name: 'prod', selector: 'stage=prod' }] },
      observed(targets),
      { state: 'Progressing', phases: { 'dev-1': 'Auditing', 'dev-2': 'Auditing', 'prod-1': 'Pending', 'prod-2': 'Pending' }, events: [], reason: 'stage dev: waiting for dev-1, dev-2 to audit version 2 for 5 s and judge its live objects' },
    ],
  ])('%s', (_, custom, observations, expected) => {
    const next = step(start(observed([]), custom).record, observations, 1_000, custom);
    expect({ state: next.record.state, phases: phases(next.record), events: next.events.map((event) => event.type), reason: next.record.reason }).toEqual(expected);
  });

  it('keeps the violations it paused on up to date while paused, and a resume after the fix goes on', () => {
    const violating = observed(targets, { 'prod-1': [privileged('web')] });
    const paused = step(start().record, violating).record;
    expect(paused.clusters['prod-1'].violations).toEqual([privileged('web')]);
    const fixed = observed(targets);
    const stillPaused = step(paused, fixed, 1_500);
    expect(stillPaused.record).toMatchObject({ state: 'Paused', clusters: { 'prod-1': { violations: [] } } });
    const resumed = act(stillPaused.record, { type: 'resume', reason: 'fixed in git' }, fixed);
    expect(resumed.events.map((event) => event.type)).toEqual(['policy.rollout.resumed', 'policy.rollout.stage.enforced', 'policy.rollout.succeeded']);
    expect(resumed.record.state).toBe('Succeeded');
  });

  it('pauses again at once when resumed with the violations still there', () => {
    const violating = observed(targets, { 'prod-1': [privileged('web')] });
    const resumed = act(step(start().record, violating).record, { type: 'resume', reason: 'try again' }, violating);
    expect(resumed.events.map((event) => event.type)).toEqual(['policy.rollout.resumed', 'policy.rollout.paused']);
    expect(resumed.record.state).toBe('Paused');
  });

  it('leaves the input record as it was, and changes nothing stepped again with the same inputs', () => {
    const started = start().record;
    const copy = structuredClone(started);
    const next = step(started, observed(['dev-1', 'dev-2']));
    expect(started).toEqual(copy);
    expect(step(next.record, observed(['dev-1', 'dev-2']))).toEqual({ record: next.record, events: [] });
  });

  it.each<[string, PolicyRolloutAction['type'], string, string]>([
    ['an operator pauses a progressing rollout', 'pause', 'Paused', 'policy.rollout.paused'],
    ['an abort ends it', 'abort', 'Aborted', 'policy.rollout.aborted'],
    ['a rollback ends it', 'rollback', 'RolledBack', 'policy.rollout.rolled-back'],
  ])('%s', (_, type, state, event) => {
    const acted = act(start().record, { type, reason: 'by the policy owner' });
    expect(acted.record).toMatchObject({ state, reason: 'by the policy owner' });
    expect(acted.events).toEqual([{ type: event, reason: 'by the policy owner' }]);
  });

  it.each<[string, PolicyRolloutRecord['state'], PolicyRolloutAction['type'], string]>([
    ['resuming what is not paused', 'Progressing', 'resume', 'cannot resume a policy rollout that is Progressing: only a paused one'],
    ['pausing what is paused', 'Paused', 'pause', 'cannot pause a policy rollout that is Paused: only a progressing one'],
    ['aborting what succeeded', 'Succeeded', 'abort', 'cannot abort a policy rollout that is Succeeded: only one in flight'],
    ['rolling back what was aborted', 'Aborted', 'rollback', 'cannot rollback a policy rollout that is Aborted: only one in flight or one that succeeded'],
  ])('refuses %s', (_, state, type, message) => {
    const record = { ...start().record, state };
    expect(() => act(record, { type, reason: '' })).toThrow(new RolloutActionError(message));
  });

  it('rolls back one that succeeded, and a newer version supersedes one in flight', () => {
    const succeeded = step(start().record, observed(targets)).record;
    expect(act(succeeded, { type: 'rollback', reason: 'too strict' }).record.state).toBe('RolledBack');
    expect(supersedePolicyRollout(start().record, 3_000, 'version 3 saved')).toMatchObject({ record: { state: 'Superseded', finishedAt: 3_000 }, events: [{ type: 'policy.rollout.superseded', reason: 'version 3 saved' }] });
  });
});

describe('what a cluster holds of a policy', () => {
  const saved: PolicyHold = { version: 2, mode: 'warn' };
  const inFlight = step(start().record, observed(['dev-1', 'dev-2'])).record; // dev enforced, prod-1 auditing, prod-2 pending
  it.each<[string, PolicyRolloutRecord | null, string, PolicyHold]>([
    ['the version saved, as saved, without a rollout', null, 'dev-1', saved],
    ['enforce, on a cluster of an enforced stage', inFlight, 'dev-1', { version: 2, mode: 'enforce' }],
    ['audit, on a cluster auditing', inFlight, 'prod-1', { version: 2, mode: 'audit' }],
    ['what was in force before, on a cluster still pending', inFlight, 'prod-2', previous],
    ['what was in force before, on a cluster that came into scope since', inFlight, 'prod-9', previous],
    ['audit, while the rollout is paused', { ...inFlight, state: 'Paused' }, 'prod-1', { version: 2, mode: 'audit' }],
    ['enforce everywhere once it succeeded', { ...inFlight, state: 'Succeeded' }, 'prod-2', { version: 2, mode: 'enforce' }],
    ['what was in force before, everywhere, once aborted', { ...inFlight, state: 'Aborted' }, 'dev-1', previous],
    ['what was in force before, everywhere, once rolled back', { ...inFlight, state: 'RolledBack' }, 'dev-1', previous],
    ['the version saved once a newer one superseded the rollout', { ...inFlight, state: 'Superseded' }, 'dev-1', saved],
    ['the version saved when it is newer than the one rolled out', { ...inFlight, state: 'Succeeded', version: 1 }, 'dev-1', saved],
  ])('is %s', (_, latest, cluster, expected) => {
    expect(policyHeld(saved, latest, cluster)).toEqual(expected);
  });

  it('is nothing the rollout decides once superseded', () => {
    expect(heldUnderRollout({ ...inFlight, state: 'Superseded' }, 'dev-1')).toBeNull();
  });
});

describe('validating a policy rollout strategy', () => {
  it.each<[string, PolicyRolloutStrategy, string]>([
    ['no stages', { stages: [] }, 'stages: name at least one stage'],
    ['a bad selector', { stages: [{ name: 'dev', selector: 'stage in (' }] }, 'stages[0].selector:'],
    ['a negative allowance', { ...strategy, allowance: -1 }, 'allowance: must be a whole number of violating objects, 0 or more, not -1'],
    ['a fractional allowance', { ...strategy, allowance: 0.5 }, 'allowance: must be a whole number of violating objects, 0 or more, not 0.5'],
  ])('refuses %s', (_, invalid, message) => {
    expect(() => validatePolicyRolloutStrategy(invalid)).toThrow(message);
  });

  it('accepts stages with an allowance', () => {
    expect(() => validatePolicyRolloutStrategy({ ...strategy, allowance: 3 })).not.toThrow();
  });
});
