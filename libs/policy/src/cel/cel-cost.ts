/*
 * The cost budget of one expression's evaluation. @bufbuild/cel has no cost tracking of its own,
 * so every comprehension iteration (all, exists, map, filter…) costs 1 and every function that
 * can build a bigger value (concatenation, replace, join, split…) costs 1 per ten elements or
 * characters it produces, as Kubernetes' cost model charges them. Once the budget is spent every
 * further charge fails, so nested comprehensions unwind at once. Evaluation is synchronous:
 * one meter serves the expression being evaluated, and the variables it asks for charge it too.
 */

/** A tenth of Kubernetes' per-expression limit: this evaluator is slower per step than cel-go, and a bundle has many objects. */
export const defaultCostLimit = 100_000;

/** Thrown (and turned into a CEL error by the evaluator) when the budget is spent. */
export class CostLimitExceededError extends Error {
  constructor(readonly limit: number) {
    super(`cost limit of ${limit} exceeded`);
    this.name = 'CostLimitExceededError';
  }
}

const meter = { limit: 0, remaining: Infinity, exceeded: false, depth: 0 };

/** Spends `cost` of the current budget; throws once it is spent. */
export function charge(cost: number): void {
  meter.remaining -= cost;
  if (meter.remaining < 0) {
    meter.exceeded = true;
    throw new CostLimitExceededError(meter.limit);
  }
}

/** What producing a value of `size` elements or characters costs. */
export function sizeCost(size: number): number {
  return 1 + Math.ceil(size / 10);
}

/**
 * Runs `evaluate` under a fresh budget of `limit`, or, when called during another metered
 * evaluation (a variable asked for by an expression), under that one's budget.
 */
export function metered<T>(limit: number, evaluate: () => T): { value: T; exceeded: boolean } {
  if (meter.depth > 0) {
    meter.depth++;
    try {
      return { value: evaluate(), exceeded: meter.exceeded };
    } finally {
      meter.depth--;
    }
  }
  meter.limit = limit;
  meter.remaining = limit;
  meter.exceeded = false;
  meter.depth = 1;
  try {
    const value = evaluate();
    return { value, exceeded: meter.exceeded };
  } finally {
    meter.depth = 0;
    meter.remaining = Infinity;
  }
}
