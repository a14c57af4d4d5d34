import type { Command } from 'commander';
import { CliError } from '../cli-error';
import type { CliRuntime } from '../cli-runtime';
import { normalizeHubUrl } from '../config/hub-target';
import { HubClient } from '../hub/hub-client';
import { configStore, outputCommand, withOutput } from './hub-command';

interface LoginOptions {
  hub: string;
  token: string;
  context?: string;
  verify: boolean;
}

interface ContextRow {
  name: string;
  hub: string;
  current: boolean;
}

/** `capstan login` and `capstan context list|use`: the hubs the CLI knows, kept like kubectl's contexts. The token is never shown. */
export function registerLoginCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('login')
    .description('check an API token against a hub and keep both as a context, made the current one')
    .requiredOption('--hub <url>', "the hub's URL, e.g. http://127.0.0.1:4000")
    .requiredOption('--token <token>', 'an API token: the admin token the hub printed, or one from capstan token create; - reads it from standard input (kept out of shell history)')
    .option('--context <name>', "the context's name (default: the hub's host and port)")
    .option('--no-verify', 'keep the context without asking the hub whether the token is good')
    .action(async (_options: LoginOptions, command: Command) => {
      const { hub: givenHub, token: givenToken, context, verify } = command.optsWithGlobals<LoginOptions>();
      const token = givenToken === '-' ? runtime.readStdin().trim() : givenToken;
      if (!token) throw CliError.invalid('--token -: standard input held no token');
      const hub = normalizeHubUrl(givenHub);
      const name = context ?? new URL(hub).host;
      let who = '';
      if (verify) {
        const { whoami } = await new HubClient({ hub, token }).request<{ whoami: { name: string; role: string } }>('{ whoami { name role } }');
        who = ` as token "${whoami.name}" (role ${whoami.role})`;
      }
      configStore(runtime).saveContext(name, { hub, token });
      runtime.stdout.write(`Logged in to ${hub}${who}; context "${name}" is now current.\n`);
    });

  const context = program.command('context').description('the hubs capstan knows (contexts), and which one it uses');
  outputCommand(context, 'list', 'list the contexts; * marks the current one')
    .action(
      withOutput(runtime, (out) => {
        const config = configStore(runtime).read();
        const rows: ContextRow[] = Object.entries(config.contexts).map(([name, { hub }]) => ({ name, hub, current: name === config.current }));
        out.list(rows, {
          noun: 'contexts (log in with capstan login)',
          columns: [
            { header: 'current', value: (row) => (row.current ? '*' : ''), empty: '' },
            { header: 'name', value: (row) => row.name },
            { header: 'hub', value: (row) => row.hub },
          ],
          name: (row) => row.name,
        });
      }),
    );
  context
    .command('use')
    .description('make a context the current one')
    .argument('<name>', 'context name')
    .action((name: string) => {
      configStore(runtime).useContext(name);
      runtime.stdout.write(`Context "${name}" is now current.\n`);
    });
}
