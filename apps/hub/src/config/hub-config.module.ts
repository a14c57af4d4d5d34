import { type DynamicModule, Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { SecretBox } from '../secrets/secret-box';
import { GitMirror } from '../sources/git/git-mirror';
import type { HubConfig } from './hub-config';

export const HUB_CONFIG = Symbol('HubConfig');

/** The validated configuration, and the file-backed services it decides: the secret box and the git mirror. */
@Global()
@Module({})
export class HubConfigModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: HubConfigModule,
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        { provide: SecretBox, useFactory: () => SecretBox.fromKeyOrFile(config.secretKey, join(config.stateDir, 'secret.key')) },
        { provide: GitMirror, useFactory: () => new GitMirror(join(config.stateDir, 'git')) },
      ],
      exports: [HUB_CONFIG, SecretBox, GitMirror],
    };
  }
}
