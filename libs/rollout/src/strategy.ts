import { parseLabelSelector } from '@capstan/manifest';
import { budgetError } from './budget';
import { newerRevisionActions, remainingStageName, rolloutFailureActions, RolloutStrategy, RolloutStrategyError, StageStrategy } from './types';

export const defaultProgressDeadlineSeconds = 600;

/** A stage's strategy by name; the implicit `remaining` stage takes every default. */
export function stageStrategy(strategy: Pick<RolloutStrategy, 'stages'>, stageName: string): StageStrategy {
  return strategy.stages.find((stage) => stage.name === stageName) ?? { name: stageName };
}

export const bakeMs = (stage: StageStrategy): number => (stage.minBakeTimeSeconds ?? 0) * 1000;
export const progressDeadlineMs = (stage: StageStrategy): number => (stage.progressDeadlineSeconds ?? defaultProgressDeadlineSeconds) * 1000;

/** Throws a RolloutStrategyError naming the first field of `strategy` that cannot be followed. */
export function validateStrategy(strategy: RolloutStrategy): void {
  validateStages(strategy.stages);
  if (strategy.onFailure !== undefined && !rolloutFailureActions.includes(strategy.onFailure)) {
    throw new RolloutStrategyError('onFailure', `must be ${rolloutFailureActions.join(' or ')}, not ${JSON.stringify(strategy.onFailure)}`);
  }
  if (strategy.onNewerRevision !== undefined && !newerRevisionActions.includes(strategy.onNewerRevision)) {
    throw new RolloutStrategyError('onNewerRevision', `must be ${newerRevisionActions.join(' or ')}, not ${JSON.stringify(strategy.onNewerRevision)}`);
  }
  const perMinute = strategy.maxClustersPerMinute;
  if (perMinute !== undefined && !(Number.isInteger(perMinute) && perMinute >= 1)) {
    throw new RolloutStrategyError('maxClustersPerMinute', `must be an integer of at least 1, not ${JSON.stringify(perMinute)}`);
  }
}

/** Throws a RolloutStrategyError naming the first field of the stages (`stages[1].selector`) that cannot be followed. */
export function validateStages(stages: readonly StageStrategy[]): void {
  if (!Array.isArray(stages) || stages.length === 0) throw new RolloutStrategyError('stages', 'name at least one stage');
  const seen = new Set<string>();
  stages.forEach((stage, index) => {
    validateStage(stage, `stages[${index}]`, seen);
    seen.add(stage.name);
  });
}

function validateStage(stage: StageStrategy, field: string, earlierNames: ReadonlySet<string>): void {
  if (typeof stage.name !== 'string' || stage.name.trim() === '') throw new RolloutStrategyError(`${field}.name`, 'must not be empty');
  if (stage.name === remainingStageName) {
    throw new RolloutStrategyError(`${field}.name`, `"${remainingStageName}" is reserved for the clusters no stage selects`);
  }
  if (earlierNames.has(stage.name)) throw new RolloutStrategyError(`${field}.name`, `"${stage.name}" names an earlier stage too`);
  validateGroups(stage.groups, `${field}.groups`);
  validateSelector(stage.selector, `${field}.selector`);
  for (const budget of ['maxConcurrency', 'maxFailures'] as const) {
    const error = stage[budget] === undefined ? null : budgetError(stage[budget]);
    if (error) throw new RolloutStrategyError(`${field}.${budget}`, error);
  }
  validateSeconds(stage.minBakeTimeSeconds, `${field}.minBakeTimeSeconds`, 0);
  // A deadline of 0 s would time out every cluster the moment it starts.
  validateSeconds(stage.progressDeadlineSeconds, `${field}.progressDeadlineSeconds`, 1);
}

function validateGroups(groups: string[] | undefined, field: string): void {
  if (groups === undefined) return;
  // An empty list would select nothing, which is never what was meant: leaving `groups` out selects every cluster.
  if (!Array.isArray(groups) || groups.length === 0) throw new RolloutStrategyError(field, 'name at least one group, or leave groups out');
  const index = groups.findIndex((group) => typeof group !== 'string' || group === '');
  if (index >= 0) throw new RolloutStrategyError(`${field}[${index}]`, 'must be a group name');
}

function validateSelector(selector: string | undefined, field: string): void {
  if (selector === undefined) return;
  try {
    parseLabelSelector(selector);
  } catch (error) {
    throw new RolloutStrategyError(field, error instanceof Error ? error.message : String(error));
  }
}

function validateSeconds(seconds: number | undefined, field: string, least: number): void {
  if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= least)) {
    throw new RolloutStrategyError(field, `must be a whole number of seconds of at least ${least}, not ${JSON.stringify(seconds)}`);
  }
}
