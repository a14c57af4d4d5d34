import { compilePolicy } from '../compile';
import { evaluate } from '../evaluate';
import { PolicyError } from '../policy-error';
import type { CelRule, KubeObject, LabelSelector, Policy, Violation } from '../types';

const now = Date.parse('2026-06-01T00:00:00Z');
const cluster = { name: 'eu-1', labels: {}, groups: [] };

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web', team: 'checkout' } },
  spec: {
    replicas: 2,
    ratio: 0.5,
    note: 'a\nb',
    greek: 'αβγ',
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'registry.example/web:1.2', resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } } },
          { name: 'proxy', image: 'registry.example/proxy:3', resources: { requests: { cpu: '50m', memory: '64Mi' } } },
        ],
      },
    },
  },
};

function celPolicy(rule: Partial<CelRule>, policy: Partial<Policy> = {}): Policy {
  return { name: 'custom', description: 'CEL rules', mode: 'enforce', scope: {}, exemptions: [], rules: [{ type: 'cel', name: 'check', validations: [{ expression: 'true' }], ...rule }], ...policy };
}

function run(rule: Partial<CelRule>, objects: KubeObject[] = [deployment], namespaces?: KubeObject[]): Violation[] {
  return evaluate(compilePolicy(celPolicy(rule)), { objects, cluster, now, namespaces });
}

/** true when the expression holds for the object, false when it is violated, else the evaluation error's code. */
function outcome(expression: string, object: KubeObject = deployment): boolean | string {
  const [violation] = run({ validations: [{ expression }] }, [object]);
  if (!violation) return true;
  return violation.evaluationError ? violation.evaluationError.code : false;
}

function compileError(rule: Partial<CelRule>): PolicyError {
  try {
    compilePolicy(celPolicy(rule));
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('compiled');
}

describe('CEL rules: compile errors name the rule, the field and the position', () => {
  it.each<[string, Partial<CelRule>, string, string, { line: number; column: number } | undefined]>([
    ['a syntax error', { validations: [{ expression: 'true' }, { expression: 'object.spec.replicas >' }] }, 'CelSyntax', 'rules[0].validations[1].expression', { line: 1, column: 22 }],
    ['a type error at its operator', { validations: [{ expression: "'replicas: ' + 2 == object.x" }] }, 'CelType', 'rules[0].validations[0].expression', { line: 1, column: 14 }],
    ['a type error on a later line', { validations: [{ expression: 'object.spec.replicas > 1 &&\n  object.metadata.name.startsWith(1)' }] }, 'CelType', 'rules[0].validations[0].expression', { line: 2, column: 23 }],
    ['an undeclared variable', { validations: [{ expression: 'authorizer.allowed()' }] }, 'CelType', 'rules[0].validations[0].expression', { line: 1, column: 1 }],
    ['an unknown function', { validations: [{ expression: 'object.metadata.name.reverse() == ""' }] }, 'CelType', 'rules[0].validations[0].expression', undefined],
    ['int compared to double literals', { validations: [{ expression: '2 == 2.0' }] }, 'CelType', 'rules[0].validations[0].expression', { line: 1, column: 3 }],
    ['a variable used before it is declared', { variables: [{ name: 'first', expression: 'variables.second' }, { name: 'second', expression: '1' }] }, 'CelType', 'rules[0].variables[0].expression', { line: 1, column: 10 }],
    ['an unknown field of variables', { variables: [{ name: 'count', expression: '1' }], validations: [{ expression: 'variables.cuont > 0' }] }, 'CelType', 'rules[0].validations[0].expression', undefined],
    ['a validation that is not a bool', { validations: [{ expression: 'size([1]) + 1' }] }, 'InvalidPolicy', 'rules[0].validations[0].expression', undefined],
    ['a message expression that is not a string', { validations: [{ expression: 'true', messageExpression: '42' }] }, 'InvalidPolicy', 'rules[0].validations[0].messageExpression', undefined],
    ['a match condition that does not parse', { matchConditions: [{ name: 'only-web', expression: "object.metadata.name == 'web" }] }, 'CelSyntax', 'rules[0].matchConditions[0].expression', undefined],
    ['optional field selection (unsupported)', { validations: [{ expression: 'object.?spec.orValue(1) == 1' }] }, 'CelSyntax', 'rules[0].validations[0].expression', undefined],
    ['a bad namespace selector', { matchConstraints: { namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'Like' as 'In' }] } } }, 'InvalidSelector', 'rules[0].matchConstraints.namespaceSelector', undefined],
    ['a resource rule without kinds', { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: [] }] } }, 'InvalidPolicy', 'rules[0].matchConstraints.resourceRules[0].kinds', undefined],
    ['an unknown operation', { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['*'], operations: ['PATCH'] }] } }, 'InvalidPolicy', 'rules[0].matchConstraints.resourceRules[0].operations', undefined],
    ['a rule name that is not an object name', { name: 'No Spaces' }, 'InvalidPolicy', 'rules[0].name', undefined],
    ['no validations', { validations: [] }, 'InvalidPolicy', 'rules[0].validations', undefined],
    ['an empty expression', { validations: [{ expression: ' ' }] }, 'InvalidPolicy', 'rules[0].validations[0].expression', undefined],
    ['a validation that is not an object', { validations: [null as unknown as CelRule['validations'][number]] }, 'InvalidPolicy', 'rules[0].validations[0]', undefined],
    ['variables that are not a list', { variables: 'x' as unknown as CelRule['variables'] }, 'InvalidPolicy', 'rules[0].variables', undefined],
    ['a variable without a name', { variables: [{} as { name: string; expression: string }] }, 'InvalidPolicy', 'rules[0].variables[0].name', undefined],
    ['a match condition that is not an object', { matchConditions: [null as unknown as { name: string; expression: string }] }, 'InvalidPolicy', 'rules[0].matchConditions[0].name', undefined],
    ['match constraints that are not an object', { matchConstraints: 'apps' as unknown as CelRule['matchConstraints'] }, 'InvalidPolicy', 'rules[0].matchConstraints', undefined],
    ['an object selector that is not an object', { matchConstraints: { objectSelector: 'app=web' as unknown as LabelSelector } }, 'InvalidSelector', 'rules[0].matchConstraints.objectSelector', undefined],
    ['an expression nested too deeply', { validations: [{ expression: `${'('.repeat(5000)}true${')'.repeat(5000)}` }] }, 'CelSyntax', 'rules[0].validations[0].expression', undefined],
  ])('%s', (_, rule, code, field, position) => {
    const error = compileError(rule);
    expect(error).toMatchObject({ code, field, rule: rule.name ?? 'check' });
    expect(error.message).toContain(`(${field})`);
    if (position) {
      expect(error.position).toMatchObject(position);
      expect(error.message).toContain(` at ${position.line}:${position.column}: `);
    }
  });
});

describe('CEL rules: numbers', () => {
  it.each<[string, boolean | string]>([
    ['object.spec.replicas == 2', true],
    // Heterogeneous equality at run time, as cel-go and Kubernetes have it: a dyn int equals the same double.
    ['object.spec.replicas == 2.0', true],
    ['type(object.spec.replicas) == int', true],
    ['type(object.spec.ratio) == double', true],
    ['object.spec.replicas + 1 == 3', true],
    ['object.spec.replicas / 4 == 0', true],
    ['object.spec.replicas < 2.5', true],
    // int + double has no overload: an evaluation error, not a silent conversion.
    ['object.spec.replicas + 0.5 > 2.0', 'EvaluationFailed'],
    ['object.spec.replicas * 4611686018427387904 > 0', 'EvaluationFailed'],
    ['uint(object.spec.replicas) == 2u', true],
  ])('%s gives %p', (expression, expected) => {
    expect(outcome(expression)).toBe(expected);
  });
});

describe('CEL rules: matches has RE2 semantics', () => {
  it.each<[string, boolean | string]>([
    ["object.metadata.name.matches('^w[a-z]+$')", true],
    ["object.metadata.name.matches('^db$')", false],
    ["object.metadata.name.matches('(?i)^WEB$')", true],
    ["object.spec.greek.matches('^\\\\p{Greek}+$')", true],
    ["object.spec.note.matches('a.b')", false],
    ["object.spec.note.matches('(?s)a.b')", true],
    // RE2 has neither lookaround nor backreferences: the pattern is an error.
    ["object.metadata.name.matches('w(?=e)')", 'EvaluationFailed'],
    ["object.metadata.name.matches('(w)\\\\1')", 'EvaluationFailed'],
  ])('%s gives %p', (expression, expected) => {
    expect(outcome(expression)).toBe(expected);
  });
});

describe('CEL rules: Kubernetes functions', () => {
  it.each([
    "quantity(object.spec.template.spec.containers[0].resources.limits.memory).isGreaterThan(quantity('1G'))",
    "quantity('500m').isLessThan(quantity('1'))",
    "quantity('1e3') == quantity('1k')",
    "quantity('1e3').compareTo(quantity('1k')) == 0",
    "quantity('1Gi').compareTo(quantity('1G')) == 1",
    "quantity('1').add(quantity('500m')) == quantity('1500m')",
    "quantity('2').add(3).asInteger() == 5",
    "quantity('2').sub(quantity('3')).sign() == -1",
    "quantity('1500m').asApproximateFloat() == 1.5",
    "!quantity('1500m').isInteger() && quantity('2k').isInteger()",
    "isQuantity('250m') && !isQuantity('250 m')",
    'object.spec.template.spec.containers.all(c, quantity(c.resources.requests.memory).isLessThan(quantity("1Gi")))',
    "'WeB'.lowerAscii() == 'web' && 'web'.upperAscii() == 'WEB'",
    "'a,b,c'.split(',') == ['a', 'b', 'c'] && 'a,b,c'.split(',', 2) == ['a', 'b,c']",
    "['a', 'b'].join('-') == 'a-b'",
    "'a-b-c'.replace('-', '+') == 'a+b+c' && 'a-b-c'.replace('-', '+', 1) == 'a+b-c'",
    "'hello'.indexOf('l') == 2 && 'hello'.lastIndexOf('l') == 3 && 'a😀b'.indexOf('b') == 2",
    "'hello'.substring(1, 3) == 'el' && '😀ab'.substring(1) == 'ab' && 'abc'.charAt(1) == 'b'",
    "'  x '.trim() == 'x'",
    '[1, 2, 3].isSorted() && ![3, 1].isSorted()',
    '[1, 2, 3].sum() == 6 && [1.5, 2.5].sum() == 4.0 && [].sum() == 0',
    '[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3',
    "['a', 'b', 'a'].indexOf('a') == 0 && ['a', 'b', 'a'].lastIndexOf('a') == 2 && [1].indexOf(2) == -1",
    "object.spec.template.spec.containers.map(c, c.name).indexOf('proxy') == 1",
  ])('%s', (expression) => {
    expect(outcome(expression)).toBe(true);
  });

  it.each(["quantity('1x') == quantity('1')", '[].min() == 0'])('%s is an evaluation error', (expression) => {
    expect(outcome(expression)).toBe('EvaluationFailed');
  });
});

describe('CEL rules: evaluation', () => {
  it('reports a failed validation with its message, reason and field path', () => {
    expect(run({ validations: [{ expression: 'object.spec.replicas >= 3', message: 'at least 3 replicas', reason: 'Forbidden', fieldPath: 'spec.replicas' }] })).toEqual([
      {
        policy: 'custom',
        rule: 'check',
        severity: 'medium',
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
        fieldPath: 'spec.replicas',
        message: 'Deployment/shop/web: field spec.replicas: at least 3 replicas',
        detail: 'at least 3 replicas',
        reason: 'Forbidden',
      },
    ]);
  });

  it.each<[string, CelRule['validations'][number], string]>([
    ['the message expression', { expression: 'false', messageExpression: "'only ' + string(object.spec.replicas) + ' replicas'", message: 'fallback' }, 'only 2 replicas'],
    ['the message when the message expression fails', { expression: 'false', messageExpression: 'object.nope', message: 'fallback' }, 'fallback'],
    ['the message when the message expression is empty', { expression: 'false', messageExpression: "''", message: 'fallback' }, 'fallback'],
    ['the expression without a message', { expression: 'object.spec.replicas > 5' }, 'failed expression: object.spec.replicas > 5'],
  ])('words a violation with %s', (_, validation, message) => {
    expect(run({ validations: [validation] }).map((violation) => violation.message)).toEqual([`Deployment/shop/web: ${message}`]);
  });

  it('binds params, namespaceObject and request', () => {
    const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { tier: 'gold' } } };
    const rule: Partial<CelRule> = {
      params: { maxReplicas: 1, tier: 'gold' },
      validations: [
        { expression: 'object.spec.replicas <= params.maxReplicas', message: 'too many' },
        { expression: "'tier' in namespaceObject.metadata.labels && namespaceObject.metadata.labels.tier == params.tier && request.namespace == 'shop' && request.kind.kind == 'Deployment' && oldObject == null", message: 'wrong tier' },
      ],
    };
    expect(run(rule, [deployment], [namespace]).map((violation) => violation.message)).toEqual(['Deployment/shop/web: too many']);
    expect(run(rule, [deployment]).map((violation) => violation.message)).toEqual(['Deployment/shop/web: too many', 'Deployment/shop/web: wrong tier']);
  });

  it('gives a namespace not in the input its name label, and cluster-scoped objects no namespace', () => {
    const rule: Partial<CelRule> = { validations: [{ expression: "namespaceObject == null || namespaceObject.metadata.labels['kubernetes.io/metadata.name'] == object.metadata.namespace" }] };
    expect(run(rule, [deployment, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'data' } }])).toEqual([]);
  });

  it.each<[string, Partial<CelRule>, string[]]>([
    ['kinds and groups', { matchConstraints: { resourceRules: [{ apiGroups: [''], kinds: ['Service'] }] } }, ['Service/shop/web', 'Service/data/db']],
    ['any kind of a group', { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['*'] }] } }, ['Deployment/shop/web']],
    ['operations that a manifest being applied is not', { matchConstraints: { resourceRules: [{ apiGroups: ['*'], kinds: ['*'], operations: ['DELETE'] }] } }, []],
    ['an object selector', { matchConstraints: { objectSelector: { matchLabels: { team: 'checkout' } } } }, ['Deployment/shop/web']],
    ['a namespace selector on the namespace labels', { matchConstraints: { namespaceSelector: { matchLabels: { tier: 'gold' } } } }, ['Deployment/shop/web', 'Service/shop/web', 'Namespace/shop', 'ClusterRole/reader']],
    ['a namespace selector on the name label', { matchConstraints: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['data'] }] } } }, ['Service/data/db', 'ClusterRole/reader']],
    ['match conditions', { matchConditions: [{ name: 'services', expression: "object.kind == 'Service'" }] }, ['Service/shop/web', 'Service/data/db']],
  ])('selects objects by %s', (_, rule, expected) => {
    const objects: KubeObject[] = [
      deployment,
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'data' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { tier: 'gold' } } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' } },
    ];
    const violations = run({ ...rule, validations: [{ expression: 'false' }] }, objects);
    expect(violations.map((violation) => `${violation.object.kind}/${violation.object.namespace ? `${violation.object.namespace}/` : ''}${violation.object.name}`)).toEqual(expected);
  });

  it('reports an expression that fails as an evaluation error naming the expression and the position', () => {
    const [violation] = run({ validations: [{ expression: 'true' }, { expression: 'object.spec.missing.replicas == 1' }] });
    expect(violation).toMatchObject({ reason: 'EvaluationError', fieldPath: '', evaluationError: { code: 'EvaluationFailed', field: 'validations[1].expression' } });
    expect(violation.message).toBe('Deployment/shop/web: validations[1].expression could not be evaluated: field not found: missing (at 1:12)');
  });

  it('reports a failing match condition as an evaluation error, and nothing with failurePolicy Ignore', () => {
    const rule: Partial<CelRule> = { matchConditions: [{ name: 'broken', expression: 'object.nope == 1' }], validations: [{ expression: 'false' }] };
    expect(run(rule).map((violation) => violation.evaluationError)).toEqual([{ code: 'EvaluationFailed', field: 'matchConditions[0].expression' }]);
    expect(run({ ...rule, failurePolicy: 'Ignore' })).toEqual([]);
  });
});

describe('CEL rules: variables', () => {
  it('composes variables, later ones using earlier ones', () => {
    const rule: Partial<CelRule> = {
      variables: [
        { name: 'containers', expression: 'object.spec.template.spec.containers' },
        { name: 'unlimited', expression: "variables.containers.filter(c, !has(c.resources.limits) || !('memory' in c.resources.limits)).map(c, c.name)" },
      ],
      validations: [{ expression: 'size(variables.unlimited) == 0', messageExpression: "'no memory limit: ' + variables.unlimited.join(', ')" }],
    };
    expect(run(rule).map((violation) => violation.message)).toEqual(['Deployment/shop/web: no memory limit: proxy']);
  });

  it('evaluates each variable at most once per object, and only when used', () => {
    // 30,000 iterations each: three evaluations of `costly` would exceed the budget of 100,000, one does not.
    const rule: Partial<CelRule> = {
      params: { items: Array.from({ length: 30_000 }, (_, i) => i) },
      variables: [
        { name: 'costly', expression: 'params.items.filter(i, i >= 0)' },
        { name: 'unused', expression: 'params.items.map(i, params.items.map(j, j))' },
      ],
      validations: [{ expression: 'size(variables.costly) + size(variables.costly) + size(variables.costly) == 90000' }],
    };
    expect(run(rule)).toEqual([]);
  });

  it('reports a variable that fails as an evaluation error of the expression using it', () => {
    const [violation] = run({ variables: [{ name: 'broken', expression: 'object.nope' }], validations: [{ expression: 'variables.broken == 1' }] });
    expect(violation.evaluationError).toEqual({ code: 'EvaluationFailed', field: 'validations[0].expression' });
    expect(violation.message).toContain('variables.broken: field not found: nope');
  });
});

describe('CEL rules: the cost limit', () => {
  const items = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'shop' }, data: {}, items: Array.from({ length: 2_000 }, (_, i) => i) };

  it.each([
    ['nested comprehensions', 'object.items.all(x, object.items.all(y, object.items.all(z, x + y + z >= 0)))'],
    ['an error absorbed by ||', 'object.items.exists(x, object.items.exists(y, x + y < 0)) || true'],
    ['lists built by map', 'object.items.map(x, object.items.map(y, [x, y])).size() > 0'],
    ['strings built by concatenation', "object.items.map(x, object.items.map(y, string(x) + '-' + string(y)).join(',')).join(';').size() > 0"],
  ])('stops a runaway expression (%s) quickly and reports it', (_, expression) => {
    const started = Date.now();
    const violations = run({ validations: [{ expression }] }, [items]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(violations).toEqual([expect.objectContaining({ reason: 'EvaluationError', evaluationError: { code: 'CostLimitExceeded', field: 'validations[0].expression' } })]);
    expect(violations[0].message).toContain('cost limit of 100000 exceeded');
  });

  it('lets an expression within the budget finish', () => {
    expect(run({ validations: [{ expression: 'object.items.all(x, x >= 0) && object.items.map(x, x * 2).size() == 2000' }] }, [items])).toEqual([]);
  });

  it('takes its budget from the compile options', () => {
    const policy = celPolicy({ validations: [{ expression: 'object.items.all(x, x >= 0)' }] });
    expect(evaluate(compilePolicy(policy, { costLimit: 1_000 }), { objects: [items], cluster, now })[0]?.evaluationError?.code).toBe('CostLimitExceeded');
    expect(evaluate(compilePolicy(policy, { costLimit: 10_000 }), { objects: [items], cluster, now })).toEqual([]);
  });
});
