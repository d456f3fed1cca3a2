// The `probe` subcommand: commander wiring for runProber.
import { type Command, Option } from 'commander';
import { UsageError } from '../options.js';
import { runProber } from './prober.js';

function positiveInt(flag: string, min: number): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`${flag} takes an integer >= ${min}, not '${v}'`);
    return Number(v);
  };
}

interface ProbeRawOptions {
  device: string;
  testAddr: string;
  format: 'ms32' | 'ns64';
  fdt: number;
  count?: number;
}

/** Add `dlsnoop probe` to the program; `setStatus` receives the exit status. */
export function registerProbeCommand(program: Command, setStatus: (n: number) => void): void {
  // Options after `probe` belong to it (its -d, --count and --format are not the capture's).
  program.enablePositionalOptions();
  program
    .command('probe')
    .description('probe targets from a test address the way in.mpathd does, and report failure and repair as in.mpathd would decide them')
    .usage('-d LINK --test-addr ADDR [options] [TARGET...]')
    .argument('[target...]', 'unicast targets on the test subnet (none: discover them with PROBE_MULTI)')
    .requiredOption('-d, --device <link>', 'the link to probe on')
    .requiredOption('--test-addr <addr>', 'test address on the link (IPv6: link-local)')
    .addOption(new Option('--format <fmt>', 'probe time stamp: ms32 (pre-Clearview) or ns64 (Clearview)').choices(['ms32', 'ns64']).default('ns64'))
    .option('--fdt <ms>', 'failure detection time in ms (probe interval = FDT/7)', positiveInt('--fdt', 100), 10_000)
    .option('-c, --count <n>', 'stop after n probe ticks', positiveInt('--count', 1))
    .action(async (targets: string[], o: ProbeRawOptions) => {
      setStatus(
        await runProber({ link: o.device, testAddr: o.testAddr, format: o.format, fdtMs: o.fdt, count: o.count, targets }, (line) => void process.stdout.write(line + '\n')),
      );
    });
}
