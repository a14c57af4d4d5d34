import { isJsonObject, type JsonObject, type JsonValue } from './json';

/*
 * Serialises JSON values exactly as `kustomize build` prints them. Kustomize converts every
 * object to JSON and back through go-yaml v2 (sigs.k8s.io/yaml), so the output follows that
 * emitter: map keys in go-yaml's "natural" order, sequences not indented under their key,
 * go-yaml v2's quoting rules (YAML 1.1 booleans, base-60 numbers, timestamps are quoted),
 * literal blocks for multi-line strings and plain scalars folded after column 80.
 */

const bestWidth = 80;
const indentStep = 2;

/** The YAML text of `objects` as `kustomize build` prints it: documents separated by `---`. */
export function toKustomizeYaml(objects: readonly JsonObject[]): string {
  return objects.map((object) => formatYamlDocument(object)).join('---\n');
}

/** One value as a go-yaml v2 document (ends with a newline). */
export function formatYamlDocument(value: JsonValue): string {
  const writer = new YamlWriter();
  writer.document(value);
  return writer.text();
}

/** go-yaml v2's map key order: numbers inside keys compare numerically, non-letters before letters. */
export function compareYamlKeys(a: string, b: string): number {
  if (a === b) return 0;
  return goYamlKeyLess(a, b) ? -1 : 1;
}

const letterPattern = /\p{L}/u;
const isLetter = (char: string) => letterPattern.test(char);
const isDigit = (char: string) => char >= '0' && char <= '9';

function goYamlKeyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.length < br.length;
}

// ---- go-yaml v2 resolve(): would this text read back as something other than a string?

const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const base60Float = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const goInteger = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/;
const timestampPatterns = [
  /^\d{4}-\d{1,2}-\d{1,2}$/,
  /^\d{4}-\d{1,2}-\d{1,2}[Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[-+]\d{2}:\d{2})$/,
  /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?$/,
];
const resolvedWords = new Set(
  [
    'y Y yes Yes YES true True TRUE on On ON n N no No NO false False FALSE off Off OFF',
    '~ null Null NULL .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF',
  ]
    .join(' ')
    .split(' '),
);

function resolvesToNonString(text: string): boolean {
  if (text === '') return true;
  const first = text[0];
  if ('yYnNtTfFoO~'.includes(first)) return resolvedWords.has(text);
  if (first === '.') return resolvedWords.has(text) || /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text);
  if (first === '+' || first === '-' || isDigit(first)) {
    if (resolvedWords.has(text)) return true;
    if (timestampPatterns.some((pattern) => pattern.test(text))) return true;
    const plain = text.replaceAll('_', '');
    return goInteger.test(plain) || yamlStyleFloat.test(plain) || /^-0b[01]+$/.test(plain);
  }
  return false;
}

function isBase60Float(text: string): boolean {
  return /^[-+0-9]/.test(text) && text.includes(':') && base60Float.test(text);
}

// ---- libyaml's yaml_emitter_analyze_scalar, reduced to what block-context output needs

interface ScalarAnalysis {
  plainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

const isBreak = (char: string | undefined) => char === '\n' || char === '\r' || char === '\u0085' || char === '\u2028' || char === '\u2029';
const isBlankOrEnd = (char: string | undefined) => char === undefined || char === ' ' || char === '\t' || isBreak(char);

// go-yaml v2's is_printable: astral characters (4-byte UTF-8, e.g. emoji) are not printable.
function isPrintable(char: string): boolean {
  const code = char.codePointAt(0) as number;
  return (
    code === 0x0a ||
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff)
  );
}

function analyzeScalar(chars: string[]): ScalarAnalysis {
  if (chars.length === 0) return { plainAllowed: false, singleQuotedAllowed: true, blockAllowed: false };
  let blockIndicators = false;
  let specialCharacters = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  const text = chars.join('');
  if (text.startsWith('---') || text.startsWith('...')) blockIndicators = true;
  let precededByWhitespace = true;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    const followedByWhitespace = isBlankOrEnd(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(char)) blockIndicators = true;
      if ((char === '?' || char === ':') && followedByWhitespace) blockIndicators = true;
      if (char === '-' && followedByWhitespace) blockIndicators = true;
    } else {
      if (char === ':' && followedByWhitespace) blockIndicators = true;
      if (char === '#' && precededByWhitespace) blockIndicators = true;
    }
    if (!isPrintable(char)) specialCharacters = true;
    if (isBreak(char)) lineBreaks = true;
    if (char === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(char)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankOrEnd(char);
  }
  let plainAllowed = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks || blockIndicators);
  let singleQuotedAllowed = true;
  let blockAllowed = !trailingSpace;
  if (breakSpace) {
    plainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || specialCharacters) {
    plainAllowed = false;
    singleQuotedAllowed = false;
    blockAllowed = false;
  }
  return { plainAllowed, singleQuotedAllowed, blockAllowed };
}

type ScalarStyle = 'plain' | 'single' | 'double' | 'literal';

function scalarStyle(text: string, chars: string[], isKey: boolean): ScalarStyle {
  let style: ScalarStyle;
  if (text.includes('\n')) style = 'literal';
  else if (!resolvesToNonString(text) && !isBase60Float(text)) style = 'plain';
  else style = 'double';
  const analysis = analyzeScalar(chars);
  if (style === 'plain' && (!analysis.plainAllowed || (chars.length === 0 && isKey))) style = 'single';
  if (style === 'single' && !analysis.singleQuotedAllowed) style = 'double';
  if (style === 'literal' && (!analysis.blockAllowed || isKey)) style = 'double';
  return style;
}

const doubleQuotedEscapes: Record<number, string> = {
  0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
  0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
};

// Go's strconv.FormatFloat(f, 'g', -1, 64): exponent form below 1e-4 and from 1e6 on (shortest digits).
function formatGoFloat(value: number): string {
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 21 || (exponent >= 6 && !Number.isInteger(value))) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return Object.is(value, -0) ? '0' : value.toFixed(0);
  return formatGoFloat(value);
}

/** A go-yaml v2 block emitter over a JSON value, tracking the column for line folding. */
class YamlWriter {
  private readonly parts: string[] = [];
  private column = 0;

  text(): string {
    return this.parts.join('');
  }

  document(value: JsonValue): void {
    if (isJsonObject(value) && Object.keys(value).length > 0) this.mapping(value, 0);
    else if (Array.isArray(value) && value.length > 0) this.sequence(value, 0);
    else this.inlineValue(value, 0);
    // A literal block ending in a line break has already ended the line.
    if (this.column > 0) this.newline();
  }

  private write(text: string): void {
    this.parts.push(text);
    this.column += Array.from(text).length;
  }

  private newline(): void {
    this.parts.push('\n');
    this.column = 0;
  }

  private indentTo(indent: number): void {
    if (this.column > 0) this.newline();
    this.write(' '.repeat(indent));
  }

  // A mapping whose first key goes where the cursor is (after "- ") or on a fresh line.
  private mapping(object: JsonObject, indent: number, firstOnCurrentLine = false): void {
    const keys = Object.keys(object).sort(compareYamlKeys);
    keys.forEach((key, index) => {
      if (index > 0 || !firstOnCurrentLine) this.indentTo(indent);
      this.scalar(key, indent, true);
      this.write(':');
      this.value(object[key], indent);
    });
  }

  private sequence(items: JsonValue[], indent: number, firstOnCurrentLine = false): void {
    items.forEach((item, index) => {
      if (index > 0 || !firstOnCurrentLine) this.indentTo(indent);
      this.write('-');
      if (isJsonObject(item) && Object.keys(item).length > 0) {
        this.write(' ');
        this.mapping(item, indent + indentStep, true);
      } else if (Array.isArray(item) && item.length > 0) {
        this.write(' ');
        this.sequence(item, indent + indentStep, true);
      } else {
        this.inlineValue(item, indent + indentStep);
      }
    });
  }

  // The value after "key:"; block collections start on the next line, sequences not indented.
  private value(value: JsonValue, keyIndent: number): void {
    if (isJsonObject(value) && Object.keys(value).length > 0) this.mapping(value, keyIndent + indentStep);
    else if (Array.isArray(value) && value.length > 0) this.sequence(value, keyIndent);
    else this.inlineValue(value, keyIndent + indentStep);
  }

  // A scalar or empty collection after "key:" or "-", preceded by one space.
  private inlineValue(value: JsonValue, indent: number): void {
    if (this.column > 0) this.write(' ');
    if (value === null) this.write('null');
    else if (typeof value === 'boolean') this.write(String(value));
    else if (typeof value === 'number') this.write(formatNumber(value));
    else if (typeof value === 'string') this.scalar(value, indent, false);
    else this.write(Array.isArray(value) ? '[]' : '{}');
  }

  private scalar(text: string, indent: number, isKey: boolean): void {
    const chars = Array.from(text);
    switch (scalarStyle(text, chars, isKey)) {
      case 'plain':
        return this.plain(chars, indent, !isKey);
      case 'single':
        return this.singleQuoted(chars, indent, !isKey);
      case 'double':
        return this.doubleQuoted(chars, indent, !isKey);
      case 'literal':
        return this.literal(chars, indent);
    }
  }

  private plain(chars: string[], indent: number, allowBreaks: boolean): void {
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i];
      if (char === ' ') {
        if (allowBreaks && !spaces && this.column > bestWidth && chars[i + 1] !== ' ') this.indentTo(indent);
        else this.write(char);
        spaces = true;
      } else {
        this.write(char);
        spaces = false;
      }
    }
  }

  private singleQuoted(chars: string[], indent: number, allowBreaks: boolean): void {
    this.write("'");
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i];
      if (char === ' ') {
        if (allowBreaks && !spaces && this.column > bestWidth && i !== 0 && i !== chars.length - 1 && chars[i + 1] !== ' ') {
          this.indentTo(indent);
        } else {
          this.write(char);
        }
        spaces = true;
      } else {
        this.write(char === "'" ? "''" : char);
        spaces = false;
      }
    }
    this.write("'");
  }

  private doubleQuoted(chars: string[], indent: number, allowBreaks: boolean): void {
    this.write('"');
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i];
      const code = char.codePointAt(0) as number;
      if (!isPrintable(char) || code === 0xfeff || isBreak(char) || char === '"' || char === '\\') {
        const named = doubleQuotedEscapes[code];
        if (named) this.write(`\\${named}`);
        else if (code <= 0xff) this.write(`\\x${code.toString(16).toUpperCase().padStart(2, '0')}`);
        else if (code <= 0xffff) this.write(`\\u${code.toString(16).toUpperCase().padStart(4, '0')}`);
        else this.write(`\\U${code.toString(16).toUpperCase().padStart(8, '0')}`);
        spaces = false;
      } else if (char === ' ') {
        if (allowBreaks && !spaces && this.column > bestWidth && i > 0 && i < chars.length - 1) {
          this.indentTo(indent);
          if (chars[i + 1] === ' ') this.write('\\');
        } else {
          this.write(char);
        }
        spaces = true;
      } else {
        this.write(char);
        spaces = false;
      }
    }
    this.write('"');
  }

  private literal(chars: string[], indent: number): void {
    this.write('|');
    if (chars[0] === ' ' || isBreak(chars[0])) this.write(String(indentStep));
    const last = chars.length - 1;
    if (!isBreak(chars[last])) this.write('-');
    else if (last === 0 || isBreak(chars[last - 1])) this.write('+');
    this.newline();
    let atLineStart = true;
    for (const char of chars) {
      if (isBreak(char)) {
        this.newline();
        atLineStart = true;
      } else {
        if (atLineStart) this.write(' '.repeat(indent));
        atLineStart = false;
        this.write(char);
      }
    }
  }
}
