import { buildProgram } from './main';

describe('capstan command line', () => {
  it('prints its version', async () => {
    const program = buildProgram().exitOverride();
    let output = '';
    program.configureOutput({ writeOut: (text) => (output += text) });
    await expect(program.parseAsync(['node', 'capstan', '--version'])).rejects.toMatchObject({ code: 'commander.version' });
    expect(output.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
