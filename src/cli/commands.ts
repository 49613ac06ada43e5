// The list of `sim` commands, one module each.
import type { CommandModule } from 'yargs';
import { versionCommand } from './version.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [versionCommand];
