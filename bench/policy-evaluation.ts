/**
 * Policy evaluation throughput on one core, over a realistic rendered bundle of ~500 objects
 * (20 namespaces, each with its Namespace, a default-deny NetworkPolicy, Deployments, Services
 * and ConfigMaps; some objects violate rules):
 * - evaluationsPerSecond: object × rule evaluations per second of one policy with every built-in
 *   rule and five CEL rules (libs/policy's `evaluate`, scope, exemptions and CEL bindings included);
 * - celLibraries: for each CEL library, object × rule evaluations per second of the same five CEL
 *   expressions alone (each compiled once; an object converted once per pass, integers as int;
 *   each rule only on the kinds it selects, still counted for every object as `evaluate` counts).
 * Exported for a bench file to call; nothing runs on import.
 */
import { CelScalar, celEnv, celFunc, celMap, celMethod, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from '@bufbuild/re2';
import { Environment } from '@marcbachmann/cel-js';
import { builtinRuleIds, compilePolicy, evaluate, type CelRule, type KubeObject, parseQuantity, type Policy, type Quantity } from '@capstan/policy';

const namespaceCount = 20;
const perNamespace = { deployments: 8, services: 8, configMaps: 7 };

/** A rendered bundle of about 500 objects in 20 team namespaces, some violating. */
export function realisticBundle(): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let n = 0; n < namespaceCount; n++) {
    const namespace = `team-${n}`;
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { team: `t${n}`, env: n % 2 ? 'prod' : 'staging' } } });
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace, labels: { team: `t${n}` } }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    for (let i = 0; i < perNamespace.deployments; i++) {
      const name = `app-${i}`;
      const hardened = i % 3 !== 0;
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace, labels: { app: name, team: `t${n}`, 'app.kubernetes.io/part-of': 'shop' } },
        spec: {
          replicas: 1 + (i % 4),
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              securityContext: hardened ? { runAsNonRoot: true } : {},
              containers: [
                {
                  name,
                  image: i % 5 === 0 ? `docker.io/library/${name}:latest` : `registry.example/${name}:1.${i}.0`,
                  ports: [{ containerPort: 8080, name: 'http' }],
                  env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'PORT', value: '8080' }],
                  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: i % 4 === 0 ? '4Gi' : '256Mi' } },
                  securityContext: hardened ? { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } : { capabilities: { add: ['NET_ADMIN'] } },
                  readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
                },
                { name: 'proxy', image: 'registry.example/proxy:2.4.1', resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } }, securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true } },
              ],
              volumes: [{ name: 'cache', emptyDir: {} }],
            },
          },
        },
      });
    }
    for (let i = 0; i < perNamespace.services; i++) {
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `app-${i}`, namespace, labels: { app: `app-${i}`, team: `t${n}` } },
        spec: { type: i === 0 ? 'LoadBalancer' : 'ClusterIP', selector: { app: `app-${i}` }, ports: [{ port: 80, targetPort: 'http' }] },
      });
    }
    for (let i = 0; i < perNamespace.configMaps; i++) {
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `settings-${i}`, namespace, labels: i % 2 ? { team: `t${n}` } : {} }, data: { LOG_LEVEL: 'info', FEATURE_X: 'true', CACHE_TTL: '300' } });
    }
  }
  return objects;
}

/** The five CEL rules: name, the kinds they select (null: all), expression. */
const celRules: Array<{ name: string; kinds: string[] | null; expression: string }> = [
  { name: 'min-replicas', kinds: ['Deployment'], expression: 'object.spec.replicas >= 2' },
  { name: 'trusted-registry', kinds: ['Deployment'], expression: "object.spec.template.spec.containers.all(c, c.image.startsWith('registry.example/'))" },
  { name: 'memory-limit', kinds: ['Deployment'], expression: "object.spec.template.spec.containers.all(c, quantity(c.resources.limits.memory).isLessThan(quantity('2Gi')))" },
  { name: 'team-label', kinds: null, expression: "has(object.metadata.labels) && 'team' in object.metadata.labels" },
  { name: 'dns-name', kinds: null, expression: "object.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')" },
];

const kindGroups: Record<string, string> = { Deployment: 'apps' };

function celRule({ name, kinds, expression }: (typeof celRules)[number]): CelRule {
  return {
    type: 'cel',
    name,
    ...(kinds ? { matchConstraints: { resourceRules: [{ apiGroups: kinds.map((kind) => kindGroups[kind] ?? ''), kinds }] } } : {}),
    validations: [{ expression }],
  };
}

/** Runs `pass` until about `ms` have gone (after a warm-up), giving passes per second. */
function passesPerSecond(pass: () => void, ms = 1_500): number {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) pass();
  let passes = 0;
  const started = performance.now();
  let elapsed = 0;
  do {
    pass();
    passes++;
    elapsed = performance.now() - started;
  } while (elapsed < ms);
  return (passes * 1000) / elapsed;
}

// JSON as CEL wants it: whole numbers as int (bigint), the rest as is.
const bigInts = (value: unknown): unknown =>
  typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : Array.isArray(value) ? value.map(bigInts) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([key, field]) => [key, bigInts(field)])) : value;
const maps = (value: unknown): unknown =>
  typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : Array.isArray(value) ? value.map(maps) : value && typeof value === 'object' ? new Map(Object.entries(value).map(([key, field]) => [key, maps(field)])) : value;

function selects(kinds: string[] | null, object: KubeObject): boolean {
  return kinds === null || kinds.includes(String(object.kind));
}

function measureBufbuild(objects: KubeObject[]): number {
  // The library with the strings extension, quantity() and compiled patterns kept (its `re2` option, as libs/policy
  // uses it: without it every matches() compiles its pattern again), without libs/policy's cost metering.
  const patterns = new Map<string, RE2JS>();
  const re2 = {
    compile(pattern: string): RE2JS {
      const compiled = patterns.get(pattern) ?? RE2JS.compile(pattern);
      patterns.set(pattern, compiled);
      return compiled;
    },
  };
  const env = celEnv({ variables: { object: CelScalar.DYN }, funcs: [...strings, ...bufbuildQuantity()], re2 });
  const programs = celRules.map((rule) => ({ kinds: rule.kinds, run: plan(env, parse(rule.expression)) }));
  let failures = 0;
  const perPass = passesPerSecond(() => {
    for (const object of objects) {
      const value = maps(object) as CelInput;
      for (const program of programs) {
        if (!selects(program.kinds, object)) continue;
        const result = program.run({ object: value });
        if (isCelError(result)) failures++;
      }
    }
  });
  if (failures > 0) throw new Error(`@bufbuild/cel: ${failures} evaluations failed`);
  return perPass * objects.length * celRules.length;
}

/** quantity() and isLessThan for @bufbuild/cel: a quantity as a one-entry map, as libs/policy carries it. */
function bufbuildQuantity() {
  const values = new WeakMap<object, Quantity>();
  const wrap = (quantity: Quantity) => {
    const value = celMap(new Map([['@quantity', quantity.nanos.toString()]]));
    values.set(value, quantity);
    return value;
  };
  const unwrap = (value: unknown) => values.get(value as object) as Quantity;
  return [
    celFunc('quantity', [CelScalar.STRING], CelScalar.DYN, (text) => wrap(parseQuantity(text))),
    celMethod('isLessThan', CelScalar.DYN, [CelScalar.DYN], CelScalar.BOOL, function (other) {
      return unwrap(this).nanos < unwrap(other).nanos;
    }),
  ];
}

function measureCelJs(objects: KubeObject[]): number {
  class QuantityValue {
    constructor(readonly quantity: Quantity) {}
  }
  const env = new Environment()
    .registerVariable('object', 'dyn')
    .registerType('Quantity', QuantityValue)
    .registerFunction('quantity(string): Quantity', (text: string) => new QuantityValue(parseQuantity(text)))
    .registerFunction('Quantity.isLessThan(Quantity): bool', (a: QuantityValue, b: QuantityValue) => a.quantity.nanos < b.quantity.nanos);
  const programs = celRules.map((rule) => {
    const program = env.parse(rule.expression);
    const checked = program.check();
    if (!checked.valid) throw new Error(`@marcbachmann/cel-js: ${rule.name}: ${checked.error?.message}`);
    return { kinds: rule.kinds, run: program };
  });
  const perPass = passesPerSecond(() => {
    for (const object of objects) {
      const value = bigInts(object);
      for (const program of programs) if (selects(program.kinds, object)) program.run({ object: value });
    }
  });
  return perPass * objects.length * celRules.length;
}

/** Every built-in rule and the five CEL rules, with one exemption: the policy the figures are for. */
export function baselinePolicy(): Policy {
  return {
    name: 'baseline',
    description: 'every built-in rule and five CEL rules',
    mode: 'enforce',
    scope: {},
    exemptions: [{ namespaces: ['team-0'], objectSelector: 'app=app-1', reason: 'benchmark exemption', expiresAt: '2099-01-01T00:00:00Z' }],
    rules: [
      ...builtinRuleIds.map((id) => (id === 'required-labels' ? { type: 'builtin' as const, id, params: { labels: ['team'] } } : { type: 'builtin' as const, id })),
      ...celRules.map(celRule),
    ],
  };
}

/** Object × rule evaluations per second: the whole policy through libs/policy, and the five CEL rules alone per CEL library. */
export async function measureEvaluations(): Promise<{ evaluationsPerSecond: number; celLibraries: Record<string, number> }> {
  const objects = realisticBundle();
  const policy = baselinePolicy();
  const compiled = compilePolicy(policy);
  const input = { objects, cluster: { name: 'eu-1', labels: { env: 'prod' }, groups: ['europe'] }, now: Date.now() };
  let violations = 0;
  const passes = passesPerSecond(() => {
    violations = evaluate(compiled, input).length;
  });
  if (violations === 0) throw new Error('the bundle was meant to have violations');
  if (evaluate(compiled, input).some((violation) => violation.reason === 'EvaluationError')) throw new Error('a CEL rule could not be evaluated');
  return {
    evaluationsPerSecond: Math.round(passes * objects.length * policy.rules.length),
    celLibraries: {
      '@bufbuild/cel': Math.round(measureBufbuild(objects)),
      '@marcbachmann/cel-js': Math.round(measureCelJs(objects)),
    },
  };
}

/** Expressions on which the two CEL libraries differ (or agree where it matters), as each evaluates them. */
export const celLibraryCases = [
  "'abc'.matches('a(?=b)')",
  "'aa'.matches('(a)\\\\1')",
  "'aB'.matches('(?i)ab')",
  "'日本'.matches('^\\\\p{Han}+$')",
  '9223372036854775807 + 1',
  'int(1e19)',
  'int(9223372036854775807.0)',
  '1u + 1',
  '1 == 1.0',
  'dyn(2) == 2.0',
  "timestamp('2024-01-01T00:00:00.123456789Z') + duration('1ns') > timestamp('2024-01-01T00:00:00.123456789Z')",
  "{'a': 1, 'a': 2}.size()",
  "'a,b,c'.split(',', 2)[1]",
  "int('0x10')",
  "'x' + 1",
  'object.?spec.orValue(1)',
];

/** What each library makes of `celLibraryCases`: a value, `error: …` at run time, or `rejected: …` when parsing or checking. */
export function compareCelLibraries(): Array<{ expression: string; '@bufbuild/cel': string; '@marcbachmann/cel-js': string }> {
  const show = (value: unknown): string => (typeof value === 'bigint' ? `${value}` : typeof value === 'object' && value !== null ? JSON.stringify(value, (_, field) => (typeof field === 'bigint' ? `${field}` : field instanceof Map ? Object.fromEntries(field) : field)) : String(value));
  const bufEnv = celEnv({ variables: { object: CelScalar.DYN }, funcs: strings });
  const jsEnv = new Environment({ enableOptionalTypes: true }).registerVariable('object', 'dyn');
  const object = { spec: { replicas: 2n } };
  return celLibraryCases.map((expression) => {
    let buf: string;
    try {
      const result = plan(bufEnv, parse(expression))({ object: maps(object) as CelInput });
      buf = isCelError(result) ? `error: ${result.message}` : show(result);
    } catch (error) {
      buf = `rejected: ${(error as Error).message.split('\n')[0]}`;
    }
    let js: string;
    try {
      const program = jsEnv.parse(expression);
      const checked = program.check();
      js = checked.valid ? show(program({ object })) : `rejected: ${checked.error?.message.split('\n')[0]}`;
    } catch (error) {
      js = `error: ${(error as Error).message.split('\n')[0]}`;
    }
    return { expression, '@bufbuild/cel': buf, '@marcbachmann/cel-js': js };
  });
}
