import type { Command } from 'commander';
import { version } from '../../package.json';

export function registerVersionCommand(program: Command): void {
  program.version(version, '-v, --version', 'print the Capstan version');
}
