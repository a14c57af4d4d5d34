import { labelKeyError, labelValueError } from './names';

/** One requirement of a label selector, as `metav1.LabelSelectorRequirement` names the operators. */
export type LabelRequirement =
  | { key: string; operator: 'In' | 'NotIn'; values: string[] }
  | { key: string; operator: 'Exists' | 'DoesNotExist' }
  | { key: string; operator: 'Gt' | 'Lt'; value: number };

/** A parsed selector: every requirement must hold. No requirements selects everything. */
export interface LabelSelector {
  requirements: LabelRequirement[];
}

/** The selector object form used in manifests (`spec.selector`, patch targets). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** A selector that cannot be parsed; `position` is the offset in the selector text. */
export class LabelSelectorError extends Error {
  constructor(
    readonly selector: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`invalid label selector "${selector}" at position ${position}: ${reason}`);
    this.name = 'LabelSelectorError';
  }
}

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'op'; text: '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<'; at: number };

const operatorTexts = ['==', '!=', '=', '!', '(', ')', ',', '>', '<'] as const;

function tokenize(selector: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < selector.length) {
    const char = selector[i];
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const op = operatorTexts.find((text) => selector.startsWith(text, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, at: i });
      i += op.length;
      continue;
    }
    const start = i;
    while (i < selector.length && !/\s/.test(selector[i]) && !operatorTexts.some((text) => selector.startsWith(text, i))) i++;
    tokens.push({ kind: 'word', text: selector.slice(start, i), at: start });
  }
  return tokens;
}

/**
 * Parses the string form of a label selector (`env=prod,tier!=web,region in (eu,us),!canary,gpu`),
 * with the grammar and validation of apimachinery's `labels.Parse`.
 */
export function parseLabelSelector(selector: string): LabelSelector {
  const tokens = tokenize(selector);
  const requirements: LabelRequirement[] = [];
  let position = 0;
  const fail = (reason: string, at = tokens[position]?.at ?? selector.length): never => {
    throw new LabelSelectorError(selector, at, reason);
  };
  const next = (): Token | undefined => tokens[position++];
  const peek = (): Token | undefined => tokens[position];
  const expectKey = (token: Token | undefined): string => {
    if (token?.kind !== 'word') return fail('expected a label key', token?.at);
    const error = labelKeyError(token.text);
    if (error) fail(`key "${token.text}": ${error}`, token.at);
    return token.text;
  };
  const expectValue = (token: Token | undefined, allowEmpty: boolean): string => {
    if (token?.kind !== 'word') {
      if (allowEmpty) {
        position--;
        return '';
      }
      return fail('expected a value', token?.at);
    }
    const error = labelValueError(token.text);
    if (error) fail(`value "${token.text}": ${error}`, token.at);
    return token.text;
  };

  while (position < tokens.length) {
    const first = next();
    if (first?.kind === 'op' && first.text === '!') {
      requirements.push({ key: expectKey(next()), operator: 'DoesNotExist' });
    } else {
      const key = expectKey(first);
      const operator = peek();
      if (!operator || (operator.kind === 'op' && operator.text === ',')) {
        requirements.push({ key, operator: 'Exists' });
      } else if (operator.kind === 'op' && (operator.text === '=' || operator.text === '==' || operator.text === '!=')) {
        position++;
        const value = expectValue(next(), true);
        requirements.push({ key, operator: operator.text === '!=' ? 'NotIn' : 'In', values: [value] });
      } else if (operator.kind === 'op' && (operator.text === '>' || operator.text === '<')) {
        position++;
        const token = next();
        const value = token?.kind === 'word' && /^-?\d+$/.test(token.text) ? Number(token.text) : fail('expected an integer', token?.at);
        requirements.push({ key, operator: operator.text === '>' ? 'Gt' : 'Lt', value });
      } else if (operator.kind === 'word' && (operator.text === 'in' || operator.text === 'notin')) {
        position++;
        const open = next();
        if (open?.kind !== 'op' || open.text !== '(') fail("expected '('", open?.at);
        const values: string[] = [];
        for (;;) {
          values.push(expectValue(next(), true));
          const separator = next();
          if (separator?.kind === 'op' && separator.text === ')') break;
          if (separator?.kind !== 'op' || separator.text !== ',') fail("expected ',' or ')'", separator?.at);
        }
        requirements.push({ key, operator: operator.text === 'in' ? 'In' : 'NotIn', values: [...new Set(values)] });
      } else {
        fail(`unexpected "${operator.text}" after key "${key}"`, operator.at);
      }
    }
    const separator = next();
    if (separator && (separator.kind !== 'op' || separator.text !== ',')) fail("expected ','", separator.at);
    if (separator && position >= tokens.length) fail('expected a requirement after ","', separator.at + 1);
  }
  return { requirements };
}

/** Converts the object form (`matchLabels` + `matchExpressions`) to a selector, validating it. */
export function labelSelectorFromObject(object: LabelSelectorObject): LabelSelector {
  const requirements: LabelRequirement[] = [];
  const describe = JSON.stringify(object);
  for (const [key, value] of Object.entries(object.matchLabels ?? {})) {
    const error = labelKeyError(key) ?? labelValueError(String(value));
    if (error) throw new LabelSelectorError(describe, 0, `matchLabels "${key}": ${error}`);
    requirements.push({ key, operator: 'In', values: [String(value)] });
  }
  for (const [index, expression] of (object.matchExpressions ?? []).entries()) {
    const where = `matchExpressions[${index}]`;
    const keyError = labelKeyError(expression.key ?? '');
    if (keyError) throw new LabelSelectorError(describe, 0, `${where}.key: ${keyError}`);
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) throw new LabelSelectorError(describe, 0, `${where}.values: must be non-empty for ${expression.operator}`);
        requirements.push({ key: expression.key, operator: expression.operator, values });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) throw new LabelSelectorError(describe, 0, `${where}.values: must be empty for ${expression.operator}`);
        requirements.push({ key: expression.key, operator: expression.operator });
        break;
      default:
        throw new LabelSelectorError(describe, 0, `${where}.operator: "${expression.operator}" is not In, NotIn, Exists or DoesNotExist`);
    }
  }
  return { requirements };
}

/** Whether `labels` satisfy every requirement of `selector`. */
export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const actual = labels ?? {};
  return selector.requirements.every((requirement) => {
    const has = Object.prototype.hasOwnProperty.call(actual, requirement.key);
    const value = actual[requirement.key];
    switch (requirement.operator) {
      case 'In':
        return has && requirement.values.includes(value);
      case 'NotIn':
        return !has || !requirement.values.includes(value);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'Gt':
        return has && /^-?\d+$/.test(value) && Number(value) > requirement.value;
      case 'Lt':
        return has && /^-?\d+$/.test(value) && Number(value) < requirement.value;
    }
  });
}

/** The canonical string form of a selector, as `labels.Selector.String()` prints it. */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector.requirements
    .map((requirement) => {
      switch (requirement.operator) {
        case 'In':
          return requirement.values.length === 1 ? `${requirement.key}=${requirement.values[0]}` : `${requirement.key} in (${[...requirement.values].sort().join(',')})`;
        case 'NotIn':
          return requirement.values.length === 1 ? `${requirement.key}!=${requirement.values[0]}` : `${requirement.key} notin (${[...requirement.values].sort().join(',')})`;
        case 'Exists':
          return requirement.key;
        case 'DoesNotExist':
          return `!${requirement.key}`;
        case 'Gt':
          return `${requirement.key}>${requirement.value}`;
        case 'Lt':
          return `${requirement.key}<${requirement.value}`;
      }
    })
    .join(',');
}
