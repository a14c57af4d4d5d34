import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CliError } from '../cli-error';

export type ReadFile = (file: string | number) => string;
const readFromDisk: ReadFile = (path) => readFileSync(path, 'utf8');

/** A YAML or JSON object from `file` (`-` for stdin); what is wrong is named with the file, as invalid input. */
export function readYamlObject(file: string, expected: string, read: ReadFile = readFromDisk): Record<string, unknown> {
  let text: string;
  try {
    text = read(file === '-' ? 0 : file);
  } catch (error) {
    throw CliError.invalid(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw CliError.invalid(`${file}: not YAML or JSON: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw CliError.invalid(`${file}: expected ${expected}`);
  return value as Record<string, unknown>;
}
