import { canonicalJson, formatIdentity, identityOf, isJsonObject, sha256Digest, type JsonObject, type JsonValue } from '@capstan/manifest';
import { buildKustomization } from './overlay';
import { RenderError } from './render-error';
import type { RenderFs } from './render-fs';

/** What a cluster contributes to a render: `${cluster.name}`, `${cluster.labels.<key>}`, `${var.<name>}`. */
export interface ClusterContext {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** Variables of the application target and its group (the hub merges them). */
  vars: Readonly<Record<string, string>>;
}

/** A cluster's render: the canonical JSON of its objects and that text's sha256 digest. */
export class RenderedBundle {
  private parsed: JsonObject[] | undefined;

  constructor(
    /** `sha256:<hex>` of `json`; equal renders on different clusters have equal digests. */
    readonly digest: string,
    /** The objects as canonical JSON (sorted keys, kustomize's object order). */
    readonly json: string,
  ) {}

  /** The objects, parsed from `json` on first use. */
  get objects(): JsonObject[] {
    this.parsed ??= JSON.parse(this.json) as JsonObject[];
    return this.parsed;
  }
}

type Reference = { scope: 'name' } | { scope: 'labels' | 'vars'; key: string };

interface VariableSlot {
  reference: Reference;
  /** The variable as written, e.g. `${cluster.labels.region}`. */
  text: string;
  objectLabel: string;
  field: string;
}

const variablePattern = /\$\$\{|\$\{([^{}]*)\}|\$\{/g;

/**
 * An overlay rendered once (kustomize semantics) and compiled for per-cluster variables:
 * the canonical JSON is split around each `${…}`, so a cluster's render is only string
 * concatenation plus one sha256, never YAML. `$${` writes a literal `${`.
 */
export class RenderTemplate {
  private readonly literals: string[] = [''];
  private readonly slots: VariableSlot[] = [];
  private constantBundle: RenderedBundle | undefined;

  /** Compiles rendered objects; an unknown variable scope or `${` in a key is an error. */
  constructor(readonly objects: readonly JsonObject[]) {
    this.appendText('[');
    objects.forEach((object, index) => {
      if (index > 0) this.appendText(',');
      this.compileValue(object, formatIdentity(identityOf(object)), '');
    });
    this.appendText(']');
  }

  /** The distinct variables the objects use, as written (`${var.replicas}`). */
  get variables(): string[] {
    return [...new Set(this.slots.map((slot) => slot.text))].sort();
  }

  /** Substitutes the cluster's variables and digests the result; an undefined variable is an error. */
  render(cluster: ClusterContext): RenderedBundle {
    if (this.slots.length === 0) {
      this.constantBundle ??= new RenderedBundle(sha256Digest(this.literals[0]), this.literals[0]);
      return this.constantBundle;
    }
    let json = this.literals[0];
    for (let i = 0; i < this.slots.length; i++) json += this.escapedValue(this.slots[i], cluster) + this.literals[i + 1];
    return new RenderedBundle(sha256Digest(json), json);
  }

  private escapedValue(slot: VariableSlot, cluster: ClusterContext): string {
    const { reference } = slot;
    const value = reference.scope === 'name' ? cluster.name : Object.prototype.hasOwnProperty.call(cluster[reference.scope], reference.key) ? cluster[reference.scope][reference.key] : undefined;
    if (value === undefined) throw new RenderError(slot.objectLabel, slot.field, `variable ${slot.text} is not defined for cluster ${cluster.name}`);
    return JSON.stringify(value).slice(1, -1);
  }

  private appendText(text: string): void {
    this.literals[this.literals.length - 1] += text;
  }

  // Writes the value as canonical JSON (as canonicalJson does), cutting strings at each variable.
  private compileValue(value: JsonValue, objectLabel: string, field: string): void {
    if (Array.isArray(value)) {
      this.appendText('[');
      value.forEach((item, index) => {
        if (index > 0) this.appendText(',');
        this.compileValue(item, objectLabel, `${field}[${index}]`);
      });
      this.appendText(']');
    } else if (isJsonObject(value)) {
      this.appendText('{');
      Object.keys(value)
        .sort()
        .forEach((key, index) => {
          const keyField = field ? `${field}.${key}` : key;
          if (key.includes('${')) throw new RenderError(objectLabel, keyField, 'variables are substituted in values only, not in keys');
          this.appendText(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`);
          this.compileValue(value[key], objectLabel, keyField);
        });
      this.appendText('}');
    } else if (typeof value === 'string' && value.includes('${')) {
      this.compileString(value, objectLabel, field);
    } else {
      this.appendText(canonicalJson(value));
    }
  }

  private compileString(text: string, objectLabel: string, field: string): void {
    this.appendText('"');
    let literal = '';
    let last = 0;
    for (const match of text.matchAll(variablePattern)) {
      literal += text.slice(last, match.index);
      last = (match.index as number) + match[0].length;
      if (match[0] === '$${') {
        literal += '${';
        continue;
      }
      if (match[1] === undefined) throw new RenderError(objectLabel, field, `unterminated variable in ${JSON.stringify(text)} (write $\${ for a literal \${)`);
      this.appendText(JSON.stringify(literal).slice(1, -1));
      literal = '';
      this.slots.push({ reference: parseReference(match[1], objectLabel, field), text: match[0], objectLabel, field });
      this.literals.push('');
    }
    literal += text.slice(last);
    this.appendText(`${JSON.stringify(literal).slice(1, -1)}"`);
  }
}

function parseReference(expression: string, objectLabel: string, field: string): Reference {
  if (expression === 'cluster.name') return { scope: 'name' };
  if (expression.startsWith('cluster.labels.') && expression.length > 'cluster.labels.'.length) return { scope: 'labels', key: expression.slice('cluster.labels.'.length) };
  if (expression.startsWith('var.') && expression.length > 'var.'.length) return { scope: 'vars', key: expression.slice('var.'.length) };
  throw new RenderError(objectLabel, field, `unknown variable \${${expression}}: use \${cluster.name}, \${cluster.labels.<key>} or \${var.<name>} (and $\${ for a literal \${)`);
}

/** Stage one: builds the kustomization at `dir` once (per group and overlay) into a reusable template. */
export function renderOverlay(fs: RenderFs, dir: string): RenderTemplate {
  return new RenderTemplate(buildKustomization(fs, dir));
}

/** Stage two: the cluster's bundle, with its variables substituted and digested. */
export function renderForCluster(template: RenderTemplate, cluster: ClusterContext): RenderedBundle {
  return template.render(cluster);
}
