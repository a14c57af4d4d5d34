import type { ClusterBudget } from './types';

const sharePattern = /^(\d+(?:\.\d+)?)%$/;

/** Why `budget` is neither a non-negative count nor a share of 0–100 %; null when it is one. */
export function budgetError(budget: unknown): string | null {
  if (typeof budget === 'number' && Number.isInteger(budget) && budget >= 0) return null;
  const share = typeof budget === 'string' ? sharePattern.exec(budget) : null;
  if (share && Number(share[1]) <= 100) return null;
  return `must be a non-negative integer or a share from "0%" to "100%", not ${JSON.stringify(budget)}`;
}

/** A budget as the API gives it, a string: a count ("3") or a share ("25%"); `budgetError` tells whether it is either. */
export function parseBudget(value: string): ClusterBudget {
  return /^\d+$/.test(value) ? Number(value) : (value as ClusterBudget);
}

export interface BudgetOptions {
  /** The budget when the strategy names none. */
  fallback: ClusterBudget;
  /** Whether the count is raised to 1 (a batch always holds a cluster). */
  atLeastOne: boolean;
}

/** A budget as a count of a stage's clusters: a share is rounded down. */
export function resolveBudget(budget: ClusterBudget | undefined, stageSize: number, { fallback, atLeastOne }: BudgetOptions): number {
  const value = budget ?? fallback;
  // The small epsilon keeps a product such as 14.1 × 100 from landing just under its integer.
  const count = typeof value === 'number' ? value : Math.floor((stageSize * Number(value.slice(0, -1))) / 100 + 1e-9);
  return atLeastOne ? Math.max(1, count) : count;
}
