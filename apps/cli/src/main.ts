import { Command, CommanderError } from 'commander';
import { CliError, ExitCode, exitCodeHelp } from './cli-error';
import { type CliRuntime, processRuntime } from './cli-runtime';
import { cliCommands } from './commands';

/** Builds the `capstan` command line from the command modules in ./commands. */
export function buildProgram(runtime: CliRuntime = processRuntime()): Command {
  const program = new Command('capstan')
    .description('Capstan: GitOps control plane for fleets of Kubernetes clusters')
    // Program options only before the sub-command: `agent` and `render` have a `--context` of their own (a kubeconfig's).
    .enablePositionalOptions()
    .option('--context <name>', 'the context to use instead of the current one (capstan context list)')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\nThe hub and token come from the context (capstan login), or CAPSTAN_HUB and CAPSTAN_TOKEN, which override it.\n\n${exitCodeHelp}\n`);
  for (const register of cliCommands) register(program, runtime);
  return program;
}

function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap(everyCommand)];
}


/** The exit code for what a run threw, after telling the user: `capstan: <message>`, never a stack. */
function reportFailure(error: unknown, runtime: CliRuntime): ExitCode {
  // Commander has written its own message by the time it throws; it exits 0 only for help and the version asked for.
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.InvalidInput;
  runtime.stderr.write(`capstan: ${error instanceof Error ? error.message : String(error)}\n`);
  return error instanceof CliError ? error.exitCode : ExitCode.Unexpected;
}

/** Runs `capstan` with `argv` (as process.argv: node, script, arguments…) and resolves with its exit code; it never throws. */
export async function run(argv: string[], runtime: CliRuntime = processRuntime()): Promise<ExitCode> {
  const program = buildProgram(runtime);
  for (const command of everyCommand(program)) {
    command.exitOverride().configureOutput({
      writeOut: (text) => runtime.stdout.write(text),
      writeErr: (text) => runtime.stderr.write(text),
      outputError: (text, write) => write(text.replace(/^error: /, 'capstan: ')),
    });
  }
  try {
    await program.parseAsync(argv);
    return ExitCode.Ok;
  } catch (error) {
    return reportFailure(error, runtime);
  }
}

export function main(argv: string[]): void {
  void run(argv).then((code) => {
    process.exitCode = code;
  });
}
