import { planStep } from './advance';
import { beginPlanning, PlanningInput } from './planning';
import type { RolloutStep } from './types';

export type StepRolloutInput = PlanningInput;

/**
 * The rollout's next step from what the hub observes now: clusters judged, batches and stages moved on,
 * desired states to write. The input record is left as it was.
 */
export function stepRollout(input: StepRolloutInput): RolloutStep {
  return planStep(beginPlanning(input));
}
