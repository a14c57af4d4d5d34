import { spawnSync } from 'node:child_process';
import { buildProgram } from '../main';
import { bashCompletion } from './completion.command';

/** What bash completes for the words typed so far (the last one is being typed), with the script loaded. */
function complete(script: string, words: string[]): string[] {
  const line = ['capstan', ...words].map((word) => `'${word}'`).join(' ');
  const probe = `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length}; _capstan; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', probe], { encoding: 'utf8', env: { PATH: process.env['PATH'] } });
  if (result.status !== 0) throw new Error(`bash failed: ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  const script = bashCompletion(buildProgram());

  it('is a script bash accepts', () => {
    expect(spawnSync('bash', ['-n', '-c', script]).status).toBe(0);
  });

  it('completes the commands, then their sub-commands', () => {
    expect(complete(script, ['ro'])).toEqual(['rollout', 'rollback']);
    expect(complete(script, ['cluster', ''])).toEqual(expect.arrayContaining(['list', 'get', 'register', 'delete', 'pause', 'resume']));
    expect(complete(script, ['rollout', 'st'])).toEqual(['status']);
  });

  it("completes a command's options, past the options and values given already", () => {
    expect(complete(script, ['rollout', 'status', 'abc', '--w'])).toEqual(['--watch']);
    expect(complete(script, ['cluster', 'list', '-l', 'env=prod', '--sel'])).toEqual(['--selector']);
  });

  it('completes output formats after -o', () => {
    expect(complete(script, ['cluster', 'list', '-o', ''])).toEqual(['table', 'json', 'yaml', 'name']);
  });
});
