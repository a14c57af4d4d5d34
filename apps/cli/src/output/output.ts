import { stringify } from 'yaml';
import { CliError } from '../cli-error';
import { type CliRuntime, wantsColor } from '../cli-runtime';
import { type Column, formatTable, type TableStyle } from './table';

export const outputFormats = ['table', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** How a list prints: `noun` (plural) for the empty case, its columns, and each item's name for `-o name`. */
export interface ListView<T> {
  noun: string;
  columns: ReadonlyArray<Column<T>>;
  name(item: T): string;
}

/** How one object prints: its name for `-o name` and its description for people. */
export interface ItemView<T> {
  name(item: T): string;
  describe(item: T, style: TableStyle): string;
}

export function parseOutputFormat(text: string): OutputFormat {
  const format = outputFormats.find((candidate) => candidate === text);
  if (!format) throw CliError.invalid(`-o expects one of ${outputFormats.join(', ')}, got ${JSON.stringify(text)}`);
  return format;
}

/** JSON (indented) or YAML of what the hub returned, for scripts. */
export function formatData(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}

export function formatList<T>(items: readonly T[], view: ListView<T>, format: OutputFormat, style: TableStyle): string {
  if (format === 'table') return items.length ? formatTable(items, view.columns, style) : '';
  if (format === 'name') return items.map((item) => `${view.name(item)}\n`).join('');
  return formatData(items, format);
}

export function formatItem<T>(item: T, view: ItemView<T>, format: OutputFormat, style: TableStyle): string {
  if (format === 'table') return view.describe(item, style);
  if (format === 'name') return `${view.name(item)}\n`;
  return formatData(item, format);
}

/** A command's output in the format asked for: tables and sentences for people on stdout, notes on stderr. */
export class Output {
  readonly style: TableStyle;

  constructor(
    readonly format: OutputFormat,
    private readonly runtime: CliRuntime,
  ) {
    this.style = { color: wantsColor(runtime) };
  }

  list<T>(items: readonly T[], view: ListView<T>): void {
    if (this.format === 'table' && items.length === 0) this.note(`No ${view.noun} found.`);
    this.runtime.stdout.write(formatList(items, view, this.format, this.style));
  }

  item<T>(item: T, view: ItemView<T>): void {
    this.runtime.stdout.write(formatItem(item, view, this.format, this.style));
  }

  /** What a change did: `message` for people, `value` as JSON or YAML, `name` for `-o name`. */
  done(message: string, value: unknown, name: string): void {
    this.runtime.stdout.write(this.format === 'table' ? `${message}\n` : this.format === 'name' ? `${name}\n` : formatData(value, this.format));
  }

  /** One step of a watch: `line` for people, one JSON line, one YAML document, or `name`. */
  step(line: string, value: unknown, name: string): void {
    const text = { table: line, json: JSON.stringify(value), yaml: `---\n${stringify(value, { lineWidth: 0 }).trimEnd()}`, name }[this.format];
    this.runtime.stdout.write(`${text}\n`);
  }

  /** Words for people that scripts reading stdout should not get. */
  note(text: string): void {
    this.runtime.stderr.write(`${text}\n`);
  }
}
