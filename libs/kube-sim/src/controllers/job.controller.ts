/** Jobs run for the configured time, then complete, or fail with BackoffLimitExceeded when their image is broken. */
import { isPlainObject, valueAtPath, type JsonObject } from '../json';
import { conditions, numberAt, runsBrokenImage } from './conditions';
import type { Controller } from './controller-manager';

export const jobController: Controller = {
  groupResource: 'jobs.batch',
  reconcile(job, context) {
    if (valueAtPath(job, ['spec', 'suspend']) === true) return {};
    const previous = isPlainObject(job.status) ? job.status : {};
    if (Array.isArray(previous.conditions) && previous.conditions.some((condition: JsonObject) => (condition.type === 'Complete' || condition.type === 'Failed') && condition.status === 'True')) return {};
    const completions = numberAt(job, 'spec.completions', 1);
    const startTime = (previous.startTime as string | undefined) ?? context.now;
    if (context.elapsedMs < context.options.jobDurationMs) {
      return {
        status: { startTime, active: numberAt(job, 'spec.parallelism', 1), ready: 0, terminating: 0, uncountedTerminatedPods: {} },
        requeueAfterMs: context.options.jobDurationMs - context.elapsedMs,
      };
    }
    if (runsBrokenImage(valueAtPath(job, ['spec', 'template', 'spec']), context.options.brokenImagePattern)) {
      const reason = 'BackoffLimitExceeded';
      const message = 'Job has reached the specified backoff limit';
      return {
        status: {
          startTime,
          failed: numberAt(job, 'spec.backoffLimit', 6) + 1,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions: conditions(previous.conditions, [{ type: 'FailureTarget', status: 'True', reason, message }, { type: 'Failed', status: 'True', reason, message }], context.now),
        },
      };
    }
    return {
      status: {
        startTime,
        completionTime: context.now,
        succeeded: completions,
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
        conditions: conditions(
          previous.conditions,
          [
            { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
            { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
          ],
          context.now,
        ),
      },
    };
  },
};
