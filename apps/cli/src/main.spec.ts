import type { Command } from 'commander';
import type { CliRuntime } from './cli-runtime';
import { buildProgram, run } from './main';

async function capstan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const runtime: CliRuntime = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env: { XDG_CONFIG_HOME: '/nonexistent' }, readStdin: () => '' };
  const code = await run(['node', 'capstan', ...args], runtime);
  return { code, stdout, stderr };
}

describe('capstan command line', () => {
  it('prints its version', async () => {
    const program = buildProgram().exitOverride();
    let output = '';
    program.configureOutput({ writeOut: (text) => (output += text) });
    await expect(program.parseAsync(['node', 'capstan', '--version'])).rejects.toMatchObject({ code: 'commander.version' });
    expect(output.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('prints help on stdout with exit code 0, listing the exit codes', async () => {
    const help = await capstan(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('  4    unauthenticated or permission denied (UNAUTHENTICATED, PERMISSION_DENIED)');
    expect((await capstan(['help', 'cluster'])).code).toBe(0);
    expect((await capstan(['cluster', 'list', '--help'])).code).toBe(0);
  });

  it('exits 2 on a usage error, saying what is wrong as capstan: <message>', async () => {
    expect(await capstan(['cluster', 'list', '--no-such-flag'])).toEqual({ code: 2, stdout: '', stderr: "capstan: unknown option '--no-such-flag'\n(add --help for usage)\n" });
    expect((await capstan(['rollout', 'pause', 'some-id'])).stderr).toBe("capstan: required option '--reason <text>' not specified\n(add --help for usage)\n");
    expect((await capstan(['cluster'])).code).toBe(2);
    expect((await capstan(['token', 'create', 'ci', '--role', 'root'])).code).toBe(2);
  });

  it('exits 1 on an unexpected error with its message and no stack', async () => {
    expect(await capstan(['render', '/nonexistent/overlay'])).toEqual({ code: 1, stdout: '', stderr: 'capstan: /nonexistent/overlay: not a directory\n' });
  });

  it('leaves a --context after `agent` to the agent, as its kubeconfig context', async () => {
    const program = buildProgram();
    let agentOptions: Record<string, unknown> = {};
    const agent = program.commands.find((command) => command.name() === 'agent') as Command;
    agent.action(function (this: Command) {
      agentOptions = this.opts();
    });
    await program.parseAsync(['node', 'capstan', 'agent', '--hub', 'hub:4001', '--hub-public-key', 'hub.pub', '--context', 'kind-eu']);
    expect([agentOptions['context'], program.opts()['context']]).toEqual(['kind-eu', undefined]);
  });
});
