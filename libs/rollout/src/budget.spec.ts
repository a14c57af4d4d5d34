import { budgetError, parseBudget, resolveBudget } from './budget';
import type { ClusterBudget } from './types';

describe('cluster budgets', () => {
  it.each<[ClusterBudget | undefined, number, ClusterBudget, boolean, number]>([
    // budget, stage size, fallback, at least one, count
    [3, 10, '100%', true, 3],
    [0, 10, '100%', true, 1],
    [0, 10, 0, false, 0],
    ['25%', 3, '100%', true, 1], // 0.75 rounds down to 0, raised to 1
    ['25%', 8, '100%', true, 2],
    ['50%', 3, 0, false, 1],
    ['50%', 1, 0, false, 0],
    ['100%', 7, '100%', true, 7],
    ['14.1%', 100, 0, false, 14],
    ['32.3%', 1000, 0, false, 323], // 1000 × 32.3 / 100 is 322.99999999999994 in floating point
    ['30%', 1000, 0, false, 300],
    ['29%', 100, 0, false, 29],
    [undefined, 9, '100%', true, 9],
    [undefined, 0, '100%', true, 1],
    [undefined, 9, 0, false, 0],
    [20, 5, '100%', true, 20],
  ])('%j of %i clusters (default %j, at least one: %s) is %i', (budget, size, fallback, atLeastOne, expected) => {
    expect(resolveBudget(budget, size, { fallback, atLeastOne })).toBe(expected);
  });

  it.each([0, 5, '0%', '25%', '12.5%', '100%'])('accepts %j', (budget) => {
    expect(budgetError(budget)).toBeNull();
  });

  it.each([-1, 1.5, '101%', '-5%', '25', 'a%', '%', '25 %', null, true])('refuses %j', (budget) => {
    expect(budgetError(budget)).toMatch(/non-negative integer or a share/);
  });
});

describe('budgets as the API gives them', () => {
  it.each<[string, ClusterBudget]>([
    ['3', 3],
    ['0', 0],
    ['25%', '25%'],
    ['12.5%', '12.5%'],
  ])('reads %s as %p', (text, budget) => {
    expect(parseBudget(text)).toEqual(budget);
  });
});
