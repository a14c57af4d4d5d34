import type { Command } from 'commander';
import { registerAgentCommand } from './agent.command';
import { registerRenderCommand } from './render.command';
import { registerSimCommand } from './sim.command';
import { registerVersionCommand } from './version.command';

/** Every `capstan` sub-command; each module adds its own to the program. */
export const cliCommands: ReadonlyArray<(program: Command) => void> = [registerVersionCommand, registerRenderCommand, registerAgentCommand, registerSimCommand];
