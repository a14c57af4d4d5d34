import { Command } from 'commander';
import { cliCommands } from './commands';

/** Builds the `capstan` command line from the command modules in ./commands. */
export function buildProgram(): Command {
  const program = new Command('capstan')
    .description('Capstan: GitOps control plane for fleets of Kubernetes clusters')
    .showHelpAfterError();
  for (const register of cliCommands) register(program);
  return program;
}

export function main(argv: string[]): void {
  buildProgram()
    .parseAsync(argv)
    .catch((error: unknown) => {
      process.stderr.write(`capstan: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
