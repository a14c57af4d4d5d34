/**
 * What can be checked of the images without a container engine: every file they copy from the
 * repository exists, they run as a non-root user, and their last stage installs nothing with a
 * build tool.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from './deploy-fixture';

interface Stage {
  from: string;
  instructions: Array<{ keyword: string; args: string }>;
}

/** The stages of a Dockerfile, continuation lines joined and comments dropped. */
function stagesOf(dockerfile: string): Stage[] {
  const text = readFileSync(join(repositoryRoot, 'deploy', 'docker', dockerfile), 'utf8').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of text.split('\n').map((each) => each.trim()).filter((each) => each !== '' && !each.startsWith('#'))) {
    const [keyword, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') stages.push({ from: args, instructions: [] });
    else stages[stages.length - 1].instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

// Package managers and compilers belong to build stages, not to what runs.
const buildTools = /\b(npm|npx|yarn|pnpm|gcc|g\+\+|make|build-essential|python3?)\b/;

describe.each(['hub.Dockerfile', 'agent.Dockerfile'])('%s', (dockerfile) => {
  const stages = stagesOf(dockerfile);
  const final = stages[stages.length - 1];

  it('copies only files that exist in the repository', () => {
    const sources = stages
      .flatMap((stage) => stage.instructions)
      .filter(({ keyword, args }) => keyword === 'COPY' && !args.startsWith('--from='))
      .flatMap(({ args }) => args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => !existsSync(join(repositoryRoot, source)))).toEqual([]);
  });

  it('builds from pinned Node.js 20 images in several stages', () => {
    expect(stages.length).toBeGreaterThan(1);
    for (const stage of stages) expect(stage.from).toMatch(/^(node:20-slim|gcr\.io\/distroless\/nodejs20-debian12:nonroot)\b/);
  });

  it('runs as uid 65532', () => {
    const users = final.instructions.filter(({ keyword }) => keyword === 'USER');
    expect(users.map(({ args }) => args)).toEqual(['65532:65532']);
  });

  it('runs nothing with a build tool in its last stage', () => {
    // Absolute paths are files a stage removes (npm, yarn), not commands it runs.
    const commands = final.instructions.filter(({ keyword }) => keyword === 'RUN').map(({ args }) => args.replace(/\/\S*/g, ''));
    expect(commands.filter((command) => buildTools.test(command))).toEqual([]);
  });
});
