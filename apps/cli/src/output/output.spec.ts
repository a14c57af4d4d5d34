import { parse } from 'yaml';
import type { CliRuntime } from '../cli-runtime';
import { formatItem, formatList, type ListView, Output } from './output';
import { type Column, formatFields, formatTable } from './table';
import { formatAge } from './time';

interface Row {
  name: string;
  state: string;
  note: string | null;
}

const rows: Row[] = [
  { name: 'eu-1', state: 'Connected', note: 'canary' },
  { name: 'us-east-10', state: 'Disconnected', note: null },
];
const columns: Array<Column<Row>> = [
  { header: 'name', value: (row) => row.name },
  { header: 'state', value: (row) => row.state, state: true },
  { header: 'note', value: (row) => row.note },
];
const view: ListView<Row> = { noun: 'clusters', columns, name: (row) => row.name };
const plain = { color: false };

function bufferedRuntime(env: Record<string, string> = {}, isTTY = false): CliRuntime & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, stdout: { write: (text: string) => out.push(text), isTTY }, stderr: { write: (text: string) => err.push(text) }, readStdin: () => '' };
}

describe('output formatting', () => {
  it('prints a table with upper-case headers, columns aligned three spaces apart, - for empty values and no trailing spaces', () => {
    expect(formatTable(rows, columns, plain)).toBe(['NAME         STATE          NOTE', 'eu-1         Connected      canary', 'us-east-10   Disconnected   -', ''].join('\n'));
  });

  it('keeps each cell on one line, without control characters', () => {
    const table = formatTable([{ name: 'a\nb', state: '\u001b[31mred', note: 'tab\there' }], columns, plain);
    expect(table.split('\n')[1]).toBe('a b    ?[31mred   tab here');
  });

  it('colours headers and states only when asked, aligning on the text', () => {
    const coloured = formatTable(rows, columns, { color: true });
    expect(coloured).toContain('\u001b[1mNAME\u001b[0m');
    expect(coloured).toContain('\u001b[32mConnected\u001b[0m');
    expect(coloured).toContain('\u001b[31mDisconnected\u001b[0m');
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(formatTable(rows, columns, plain));
    expect(formatTable(rows, columns, plain)).not.toContain('\u001b');
  });

  it('prints lists as JSON, YAML or names for scripts', () => {
    expect(JSON.parse(formatList(rows, view, 'json', plain))).toEqual(rows);
    expect(parse(formatList(rows, view, 'yaml', plain))).toEqual(rows);
    expect(formatList(rows, view, 'name', plain)).toBe('eu-1\nus-east-10\n');
  });

  it('prints one object described for people, or as data', () => {
    const item = { name: 'eu-1', state: 'Connected', note: null };
    const itemView = { name: (row: Row) => row.name, describe: (row: Row) => formatFields([['Name', row.name], ['State', row.state, true], ['Note', row.note]], plain) };
    expect(formatItem(item, itemView, 'table', plain)).toBe('Name:   eu-1\nState:  Connected\nNote:   -\n');
    expect(JSON.parse(formatItem(item, itemView, 'json', plain))).toEqual(item);
    expect(formatItem(item, itemView, 'name', plain)).toBe('eu-1\n');
  });

  it('says on stderr that a list is empty, leaving stdout empty; JSON prints []', () => {
    const runtime = bufferedRuntime();
    new Output('table', runtime).list([], view);
    expect([runtime.out.join(''), runtime.err.join('')]).toEqual(['', 'No clusters found.\n']);
    const json = bufferedRuntime();
    new Output('json', json).list([], view);
    expect([json.out.join(''), json.err.join('')]).toEqual(['[]\n', '']);
  });

  it('colours only on a terminal and when NO_COLOR is unset or empty', () => {
    expect(new Output('table', bufferedRuntime({}, true)).style.color).toBe(true);
    expect(new Output('table', bufferedRuntime({}, false)).style.color).toBe(false);
    expect(new Output('table', bufferedRuntime({ NO_COLOR: '1' }, true)).style.color).toBe(false);
    expect(new Output('table', bufferedRuntime({ NO_COLOR: '' }, true)).style.color).toBe(true);
  });

  it('prints a change as a sentence for people, as data or as the name for scripts', () => {
    const value = { name: 'eu-1', paused: true };
    const outputs = (['table', 'json', 'yaml', 'name'] as const).map((format) => {
      const runtime = bufferedRuntime();
      new Output(format, runtime).done('Cluster eu-1 paused.', value, 'eu-1');
      return runtime.out.join('');
    });
    expect(outputs).toEqual(['Cluster eu-1 paused.\n', `${JSON.stringify(value, null, 2)}\n`, 'name: eu-1\npaused: true\n', 'eu-1\n']);
  });

  it('streams each step of a watch as a line, one JSON object a line, or one YAML document each', () => {
    const streamed = (['table', 'json', 'yaml', 'name'] as const).map((format) => {
      const runtime = bufferedRuntime();
      const out = new Output(format, runtime);
      out.step('Progressing', { state: 'Progressing' }, 'Progressing');
      out.step('Succeeded', { state: 'Succeeded' }, 'Succeeded');
      return runtime.out.join('');
    });
    expect(streamed).toEqual([
      'Progressing\nSucceeded\n',
      '{"state":"Progressing"}\n{"state":"Succeeded"}\n',
      '---\nstate: Progressing\n---\nstate: Succeeded\n',
      'Progressing\nSucceeded\n',
    ]);
  });

  it('tells ages in the largest whole unit, and future times as such', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(['2025-01-01T11:59:18Z', '2025-01-01T11:55:00Z', '2025-01-01T09:00:00Z', '2024-12-28T12:00:00Z', '2025-01-01T13:00:00Z', null].map((iso) => formatAge(iso, now))).toEqual(['42s', '5m', '3h', '4d', 'in 1h', '-']);
  });
});
