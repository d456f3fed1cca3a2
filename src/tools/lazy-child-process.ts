// Stands in for node:child_process in the CLI bundle (src/tools/bundle.ts). commander requires
// child_process when it loads, for subcommands that are separate executables, which dlsnoop does
// not have; loading it costs about 5 ms of every start. This loads it only if spawn is called.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return (require('node:child_process') as typeof import('node:child_process')).spawn(command, args, options);
}
