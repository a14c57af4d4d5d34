import { type Command, Option } from 'commander';
import type { CliRuntime } from '../cli-runtime';
import { ConfigStore, configFilePath } from '../config/config-store';
import { type HubTarget, resolveHubTarget } from '../config/hub-target';
import { HubClient } from '../hub/hub-client';
import { Output, outputFormats, parseOutputFormat } from '../output/output';

/** What a command that talks to the hub works with. */
export interface HubSession {
  client: HubClient;
  out: Output;
  target: HubTarget;
  runtime: CliRuntime;
}

type Options = Record<string, unknown>;

export function configStore(runtime: CliRuntime): ConfigStore {
  return new ConfigStore(configFilePath(runtime.env));
}

/** A sub-command of `parent` with `-o` (and, when it talks to the hub, `--context`). */
export function outputCommand(parent: Command, nameAndArguments: string, description: string): Command {
  return parent
    .command(nameAndArguments)
    .description(description)
    .addOption(new Option('-o, --output <format>', 'output format').choices(outputFormats).default('table'));
}

/** A sub-command of `parent` that talks to the hub: `-o` and `--context` besides its own options. */
export function hubCommand(parent: Command, nameAndArguments: string, description: string): Command {
  return outputCommand(parent, nameAndArguments, description).option('--context <name>', 'the context to use instead of the current one');
}

// Commander calls an action with the command's arguments, its options and the command itself.
function invocation(params: unknown[]): { args: string[]; options: Options; command: Command } {
  const command = params[params.length - 1] as Command;
  return { args: params.slice(0, command.registeredArguments.length) as string[], options: command.optsWithGlobals(), command };
}

/** An action given only the output (commands that do not need the hub). */
export function withOutput<O extends Options>(runtime: CliRuntime, action: (out: Output, args: string[], options: O) => Promise<void> | void) {
  return async (...params: unknown[]): Promise<void> => {
    const { args, options } = invocation(params);
    await action(new Output(parseOutputFormat(String(options['output'] ?? 'table')), runtime), args, options as O);
  };
}

/** An action given a client for the hub of the chosen context (CAPSTAN_HUB and CAPSTAN_TOKEN overriding it) and the output. */
export function onHub<O extends Options>(runtime: CliRuntime, action: (session: HubSession, args: string[], options: O) => Promise<void>) {
  return async (...params: unknown[]): Promise<void> => {
    const { args, options } = invocation(params);
    const target = resolveHubTarget(configStore(runtime).read(), runtime.env, options['context'] as string | undefined);
    const out = new Output(parseOutputFormat(String(options['output'] ?? 'table')), runtime);
    await action({ client: new HubClient(target), out, target, runtime }, args, options as O);
  };
}

/** `--reason`, recorded in the audit log with the change. */
export function withReason(command: Command, required = false): Command {
  return required ? command.requiredOption('--reason <text>', 'why, for the audit log (required)') : command.option('--reason <text>', 'why, for the audit log');
}
