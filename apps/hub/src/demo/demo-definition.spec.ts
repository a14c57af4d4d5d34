import { takeDemoFlag } from '../main';
import { demoBanner, demoPaths, demoSteps } from './demo-definition';

describe('the demo fleet', () => {
  it.each([
    [['--demo', '--port', '4100'], true, ['--port', '4100']],
    [['--demo', '--no-demo'], false, []],
    [['--no-demo', '--demo'], true, []],
    [['--port', '0'], false, ['--port', '0']],
  ])('reads %j as demo %s, passing the rest to the hub', (argv, demo, hubArgv) => {
    expect(takeDemoFlag(argv)).toEqual({ demo, hubArgv });
  });

  it('shows paths inside the current directory as relative ones, others as they are', () => {
    const inside = demoSteps(demoPaths('/home/me/capstan/.capstan'), '/home/me/capstan');
    expect(inside[0].commands[1]).toBe("git -C .capstan/demo/fleet commit -qam 'Greet in Swedish'");
    const outside = demoSteps(demoPaths('/tmp/state'), '/home/me/capstan');
    expect(outside[1].commands[0]).toBe('kubectl --kubeconfig /tmp/state/demo/kubeconfig --context prod -n guestbook scale deployment guestbook --replicas=5');
  });

  it('says in its banner whether the fleet converged, and which clusters did not', () => {
    const banner = (notConverged: string[]) => demoBanner({ hubUrl: 'http://127.0.0.1:4000', token: 'capstan_x', paths: demoPaths('/srv/.capstan'), notConverged, cwd: '/srv' });
    expect(banner([])).toContain('guestbook is Synced and Healthy on every cluster.');
    expect(banner(['prod'])).toContain("Still converging: prod (see the agents' logs if it stays so).");
    expect(banner([])).toContain('export CAPSTAN_HUB=http://127.0.0.1:4000 CAPSTAN_TOKEN=$(cat .capstan/demo/admin-token)');
  });
});
