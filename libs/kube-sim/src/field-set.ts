/**
 * A set of field paths as structured-merge-diff keeps it, with the FieldsV1 wire form
 * (`{"f:spec":{"f:replicas":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`).
 * Path elements are the FieldsV1 keys themselves: `f:name`, `k:{"name":"web"}`, `v:"x"`, `i:0`.
 */

/** FieldsV1 JSON: each key a path element, `.` marking a node that is itself a member. */
export type FieldsV1 = { [element: string]: FieldsV1 };

/** A tree of field paths; a node is in the set when `member` is true. */
export class FieldSet {
  member = false;
  readonly children = new Map<string, FieldSet>();

  /** Parses the FieldsV1 form. */
  static fromFieldsV1(fields: FieldsV1 | undefined): FieldSet {
    const set = new FieldSet();
    const fill = (node: FieldSet, json: FieldsV1): void => {
      for (const [element, child] of Object.entries(json)) {
        if (element === '.') {
          node.member = true;
          continue;
        }
        const childNode = node.child(element);
        if (Object.keys(child).length === 0) childNode.member = true;
        else fill(childNode, child);
      }
    };
    if (fields) fill(set, fields);
    return set;
  }

  /** The child node for `element`, created when missing. */
  child(element: string): FieldSet {
    let node = this.children.get(element);
    if (!node) {
      node = new FieldSet();
      this.children.set(element, node);
    }
    return node;
  }

  /** Adds the path made of `elements`. */
  insert(elements: readonly string[]): void {
    elements.reduce<FieldSet>((node, element) => node.child(element), this).member = true;
  }

  /** Whether the path is a member. */
  has(elements: readonly string[]): boolean {
    return this.at(elements)?.member === true;
  }

  /** The node at a path (member or not), if any path passes through it. */
  at(elements: readonly string[]): FieldSet | undefined {
    return elements.reduce<FieldSet | undefined>((node, element) => node?.children.get(element), this);
  }

  isEmpty(): boolean {
    return !this.member && this.children.size === 0;
  }

  union(other: FieldSet): FieldSet {
    const result = new FieldSet();
    result.member = this.member || other.member;
    for (const [element, child] of this.children) {
      const otherChild = other.children.get(element);
      result.children.set(element, otherChild ? child.union(otherChild) : child.copy());
    }
    for (const [element, child] of other.children) {
      if (!this.children.has(element)) result.children.set(element, child.copy());
    }
    return result;
  }

  intersection(other: FieldSet): FieldSet {
    const result = new FieldSet();
    result.member = this.member && other.member;
    for (const [element, child] of this.children) {
      const otherChild = other.children.get(element);
      if (!otherChild) continue;
      const common = child.intersection(otherChild);
      if (!common.isEmpty()) result.children.set(element, common);
    }
    return result;
  }

  difference(other: FieldSet): FieldSet {
    const result = new FieldSet();
    result.member = this.member && !other.member;
    for (const [element, child] of this.children) {
      const otherChild = other.children.get(element);
      const remaining = otherChild ? child.difference(otherChild) : child.copy();
      if (!remaining.isEmpty()) result.children.set(element, remaining);
    }
    return result;
  }

  copy(): FieldSet {
    const result = new FieldSet();
    result.member = this.member;
    for (const [element, child] of this.children) result.children.set(element, child.copy());
    return result;
  }

  equals(other: FieldSet): boolean {
    if (this.member !== other.member || this.children.size !== other.children.size) return false;
    for (const [element, child] of this.children) {
      const otherChild = other.children.get(element);
      if (!otherChild || !child.equals(otherChild)) return false;
    }
    return true;
  }

  /** Every member path, parents before children. */
  paths(): string[][] {
    const found: string[][] = [];
    const walk = (node: FieldSet, prefix: string[]): void => {
      if (node.member) found.push(prefix);
      for (const [element, child] of node.children) walk(child, [...prefix, element]);
    };
    walk(this, []);
    return found;
  }

  /** The FieldsV1 wire form, keys sorted as the API server writes them. */
  toFieldsV1(): FieldsV1 {
    const json: FieldsV1 = {};
    if (this.member && this.children.size > 0) json['.'] = {};
    for (const element of [...this.children.keys()].sort()) json[element] = this.children.get(element)!.toFieldsV1();
    return json;
  }
}

/** The path element of a field. */
export function fieldElement(name: string): string {
  return `f:${name}`;
}

/** The path element of a keyed list item: key fields in name order, as structured-merge-diff encodes them. */
export function keyElement(keys: Readonly<Record<string, unknown>>): string {
  const sorted: Record<string, unknown> = {};
  for (const name of Object.keys(keys).sort()) sorted[name] = keys[name];
  return `k:${JSON.stringify(sorted)}`;
}

/** The path element of a set member. */
export function valueElement(value: unknown): string {
  return `v:${JSON.stringify(value)}`;
}

/** A path as conflicts name it: `.spec.template.spec.containers[name="web"].image`. */
export function formatPath(elements: readonly string[]): string {
  return elements
    .map((element) => {
      const body = element.slice(2);
      switch (element[0]) {
        case 'f':
          return `.${body}`;
        case 'k':
          return `[${Object.entries(JSON.parse(body) as Record<string, unknown>)
            .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
            .join(',')}]`;
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
