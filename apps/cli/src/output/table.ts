/** How human output looks: colour only when the runtime allows it. */
export interface TableStyle {
  color: boolean;
}

/** One column of a table: its header and each row's value; `state` colours the value by what it means (Healthy, Failed…). */
export interface Column<T> {
  header: string;
  value(item: T): string | number | null | undefined;
  state?: boolean;
  /** What an empty value shows; default `-`. */
  empty?: string;
}

type Colour = 'bold' | 'green' | 'yellow' | 'red';
const ansi: Record<Colour, string> = { bold: '1', green: '32', yellow: '33', red: '31' };

export function paint(text: string, colour: Colour | undefined, style: TableStyle): string {
  return style.color && colour && text ? `\u001b[${ansi[colour]}m${text}\u001b[0m` : text;
}

// The words of the hub's states, health and statuses, by how they should catch the eye.
const good = new Set(['Succeeded', 'Connected', 'Healthy', 'Synced', 'rendered', 'resolved', 'healed', 'synced', 'unchanged']);
const waiting = new Set(['Pending', 'Progressing', 'Paused', 'WaitingForApproval', 'RollingBack', 'Updating', 'Baking', 'Skipped', 'OutOfSync', 'Suspended', 'healing', 'held', 'alerted', 'warn', 'audit']);
const bad = new Set(['Failed', 'Disconnected', 'Degraded', 'Missing', 'TimedOut', 'RolledBack', 'Aborted', 'Superseded', 'failed', 'rejected', 'enforce']);

export function stateColour(value: string): Colour | undefined {
  const word = value.split(' ')[0];
  if (good.has(word)) return 'green';
  if (waiting.has(word)) return 'yellow';
  if (bad.has(word)) return 'red';
  return undefined;
}

/** A value as one table cell: `-` when empty, on one line, without control characters a hub-sent text could use to drive the terminal. */
export function cellText(value: string | number | null | undefined, empty = '-'): string {
  if (value === null || value === undefined || value === '') return empty;
  return String(value)
    .replace(/\s+/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
    .trim();
}

/** Rows under upper-case headers, columns three spaces apart and aligned (on the text, whatever colour it is painted in), no trailing spaces. */
export function formatTable<T>(items: readonly T[], columns: ReadonlyArray<Column<T>>, style: TableStyle): string {
  const header = columns.map((column) => column.header.toUpperCase());
  const rows = items.map((item) => columns.map((column) => cellText(column.value(item), column.empty)));
  const widths = header.map((text, index) => Math.max(text.length, ...rows.map((row) => row[index].length)));
  const line = (cells: string[], colourOf: (text: string, index: number) => Colour | undefined) =>
    cells
      .map((text, index) => {
        const painted = paint(text, colourOf(text, index), style);
        return index === cells.length - 1 ? painted : painted + ' '.repeat(widths[index] - text.length + 3);
      })
      .join('')
      .trimEnd();
  return [line(header, () => 'bold'), ...rows.map((row) => line(row, (text, index) => (columns[index].state ? stateColour(text) : undefined)))].join('\n') + '\n';
}

/** One line of a description: its label, its value, and whether the value is a state to colour. */
export type FieldLine = readonly [label: string, value: string | number | null | undefined, state?: boolean];

/** `Label:  value` lines, values aligned; a value of several lines goes on under its first, indented alike. */
export function formatFields(fields: readonly FieldLine[], style: TableStyle): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 3;
  const lines = fields.map(([label, value, state]) => {
    const [first, ...rest] = (value === null || value === undefined || value === '' ? '-' : String(value)).split('\n').map((part) => cellText(part));
    const head = `${paint(`${label}:`, 'bold', style)}${' '.repeat(width - label.length - 1)}${paint(first, state ? stateColour(first) : undefined, style)}`;
    return [head, ...rest.map((part) => `${' '.repeat(width)}${part}`)].join('\n');
  });
  return `${lines.join('\n')}\n`;
}

/** A titled section of a description: a blank line, the title, then its table (or `none`). */
export function formatSection<T>(title: string, items: readonly T[], columns: ReadonlyArray<Column<T>>, style: TableStyle): string {
  const body = items.length ? formatTable(items, columns, style).trimEnd().split('\n') : ['none'];
  return `\n${paint(`${title}:`, 'bold', style)}\n${body.map((line) => `  ${line}\n`).join('')}`;
}
