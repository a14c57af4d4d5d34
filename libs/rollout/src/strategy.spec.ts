import { validateStrategy } from './strategy';
import { RolloutStrategy, RolloutStrategyError, StageStrategy } from './types';

const stage = (overrides: Partial<StageStrategy> = {}): StageStrategy => ({ name: 'canary', ...overrides });
const twoStages = (second: Partial<StageStrategy>): RolloutStrategy => ({ stages: [stage(), stage({ name: 'prod', ...second })] });

describe('validating a rollout strategy', () => {
  it.each<[string, RolloutStrategy]>([
    ['one bare stage', { stages: [stage()] }],
    [
      'every field',
      {
        onFailure: 'rollback',
        onNewerRevision: 'queue',
        maxClustersPerMinute: 5,
        stages: [
          stage({ groups: ['eu'], selector: 'env=prod,tier in (web,api)', maxConcurrency: '12.5%', maxFailures: 2, minBakeTimeSeconds: 0, progressDeadlineSeconds: 1, approvalBefore: true, approvalAfter: true, orderByLabel: 'wave' }),
        ],
      },
    ],
    ['a concurrency that resolves to 0 (raised to 1)', twoStages({ maxConcurrency: '0%' })],
    ['a concurrency of 0', twoStages({ maxConcurrency: 0 })],
    ['an empty selector (every cluster)', twoStages({ selector: '' })],
  ])('accepts %s', (_, strategy) => {
    expect(() => validateStrategy(strategy)).not.toThrow();
  });

  it.each<[string, RolloutStrategy, string, string]>([
    ['no stages', { stages: [] }, 'stages', 'name at least one stage'],
    ['an empty stage name', twoStages({ name: ' ' }), 'stages[1].name', 'must not be empty'],
    ['a duplicate stage name', twoStages({ name: 'canary' }), 'stages[1].name', '"canary" names an earlier stage too'],
    ['the reserved stage name', twoStages({ name: 'remaining' }), 'stages[1].name', 'reserved'],
    ['a bad selector', twoStages({ selector: 'env in (a,b' }), 'stages[1].selector', `invalid label selector "env in (a,b" at position 11: expected ',' or ')'`],
    ['an empty group list', twoStages({ groups: [] }), 'stages[1].groups', 'name at least one group'],
    ['an empty group name', twoStages({ groups: ['eu', ''] }), 'stages[1].groups[1]', 'must be a group name'],
    ['a negative concurrency', twoStages({ maxConcurrency: -1 }), 'stages[1].maxConcurrency', 'non-negative integer'],
    ['a fractional concurrency', twoStages({ maxConcurrency: 1.5 }), 'stages[1].maxConcurrency', 'not 1.5'],
    ['a share over 100 %', twoStages({ maxConcurrency: '150%' }), 'stages[1].maxConcurrency', 'not "150%"'],
    ['a share without its sign', twoStages({ maxFailures: '25' as `${number}%` }), 'stages[1].maxFailures', 'not "25"'],
    ['a negative bake', twoStages({ minBakeTimeSeconds: -1 }), 'stages[1].minBakeTimeSeconds', 'at least 0'],
    ['a fractional bake', twoStages({ minBakeTimeSeconds: 0.5 }), 'stages[1].minBakeTimeSeconds', 'not 0.5'],
    ['a zero deadline', twoStages({ progressDeadlineSeconds: 0 }), 'stages[1].progressDeadlineSeconds', 'at least 1'],
    ['a fractional deadline', twoStages({ progressDeadlineSeconds: 60.5 }), 'stages[1].progressDeadlineSeconds', 'not 60.5'],
    ['no cluster a minute', { stages: [stage()], maxClustersPerMinute: 0 }, 'maxClustersPerMinute', 'at least 1'],
    ['a fractional pace', { stages: [stage()], maxClustersPerMinute: 1.5 }, 'maxClustersPerMinute', 'not 1.5'],
    ['an unknown failure action', { stages: [stage()], onFailure: 'ignore' as 'pause' }, 'onFailure', 'must be pause or rollback'],
    ['an unknown newer-revision action', { stages: [stage()], onNewerRevision: 'merge' as 'queue' }, 'onNewerRevision', 'must be supersede or queue'],
  ])('refuses %s, naming the field', (_, strategy, field, message) => {
    let error: unknown;
    try {
      validateStrategy(strategy);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RolloutStrategyError);
    expect((error as RolloutStrategyError).field).toBe(field);
    expect((error as RolloutStrategyError).message).toContain(`${field}: `);
    expect((error as RolloutStrategyError).message).toContain(message);
  });
});
