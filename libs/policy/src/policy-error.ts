/** What is wrong with a policy a client sent (or a ValidatingAdmissionPolicy to convert). */
export const policyErrorCodes = ['InvalidPolicy', 'UnknownRule', 'InvalidParams', 'InvalidSelector', 'CelSyntax', 'CelType', 'Unsupported'] as const;
export type PolicyErrorCode = (typeof policyErrorCodes)[number];

/** Where in an expression: 1-based line and column, 0-based offset. */
export interface ExpressionPosition {
  line: number;
  column: number;
  offset: number;
}

/**
 * A policy that cannot be compiled or converted: names the policy, the rule, the field
 * (`rules[2].validations[0].expression`) and, inside an expression, the position.
 */
export class PolicyError extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    readonly policy: string,
    /** The field at fault, as `rules[2].params.allowed`; `''` for the policy as a whole. */
    readonly field: string,
    readonly reason: string,
    /** The rule's id or name, when the fault is in a rule. */
    readonly rule?: string,
    readonly position?: ExpressionPosition,
  ) {
    const where = [rule === undefined ? '' : `rule "${rule}"`, field === '' ? '' : rule === undefined ? field : `(${field})`].filter(Boolean).join(' ');
    const at = position === undefined ? '' : ` at ${position.line}:${position.column}`;
    super(`policy "${policy}": ${where}${at}${where || at ? ': ' : ''}${reason}`);
    this.name = 'PolicyError';
  }
}

/** The 1-based line and column of `offset` in `text`. */
export function positionIn(text: string, offset: number): ExpressionPosition {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < clamped; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: clamped - lineStart + 1, offset: clamped };
}
