import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const agentBin = join(__dirname, '../bin/agent.js');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [agentBin, ...args], { env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env }, encoding: 'utf8' });

describe('the agent process', () => {
  it('lists its settings', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const flag of ['--hub', '--token', '--credential-file', '--hub-public-key', '--hub-ca', '--insecure', '--kubeconfig', '--context', '--namespace']) expect(help.stdout).toContain(flag);
  });

  it('refuses to start without the hub address, naming it', () => {
    const result = run([]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("required option '--hub <host:port>' not specified");
  });

  it('refuses to start with neither a credential nor a bootstrap token', () => {
    const result = run(['--hub', '127.0.0.1:1', '--hub-public-key', agentBin, '--credential-file', '/nonexistent/credential', '--kubeconfig', agentBin]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no credential in /nonexistent/credential: pass --token');
  });
});
