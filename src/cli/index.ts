// `sim`: one file per command under src/cli/; each parses, calls the library, prints. No logic here.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands.js';

export async function main(argv: string[] = hideBin(process.argv)): Promise<void> {
  let cli = yargs(argv).scriptName('sim').strict().demandCommand(1, 'Give a command; see `sim --help`.');
  for (const command of commands) cli = cli.command(command);
  await cli
    .fail((msg, err) => {
      if (err) {
        process.stderr.write(`sim: ${err.message}\n`);
      } else {
        process.stderr.write(`sim: ${msg}\n`);
      }
      process.exit(2);
    })
    .help()
    .parseAsync();
}
