import type { CommandModule } from 'yargs';
import { loadAddon } from '../cost/native.js';

export const versionCommand: CommandModule = {
  command: 'kernel-version',
  describe: 'Print the native kernel version',
  handler: () => {
    process.stdout.write(`${loadAddon().kernelVersion()}\n`);
  },
};
