// Command-line options: snoop's letters and meanings, plus dlsnoop's long options. Parsing turns
// text into a checked `CaptureConfig`; every mistake becomes a UsageError with one clear line.
import { Command, Option } from 'commander';

export class UsageError extends Error {}

export interface CaptureConfig {
  files: string[];
  links: string[];
  output?: string;
  ring?: string;
  format?: 'pcap' | 'pcapng' | 'snoop';
  nano: boolean;
  count?: number;
  range?: { first: number; last: number };
  snaplen: number;
  promisc: 'phys' | 'multi';
  promiscWarnOnly: boolean;
  quiet: boolean;
  mode: 'summary' | 'layers' | 'verbose';
  time?: 'relative' | 'absolute' | 'delta';
  showLength: boolean;
  showDrops: boolean;
  hex?: { offset: number; length: number };
  noResolve: boolean;
  namesFile?: string;
  printFilter: boolean;
  userFilterOnly: boolean;
  json: boolean;
  tui: boolean;
  buffer: number;
  ipmpConfig?: string;
  ipmpstat?: 't' | 'p' | 'g' | 'i';
  ilm?: 'observed' | 'host';
  dropTo?: string;
  noDrop: boolean;
  expression: string;
}

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, not '${value}'`);
    const n = Number(value);
    if (n < min || n > max) throw new UsageError(`${name} must be between ${min} and ${max}, not ${n}`);
    return n;
  };
}

/** `-p first[,last]`: snoop accepts `,`, `:` or `-` between the two numbers. */
export function parseRange(text: string): { first: number; last: number } {
  const m = /^(\d+)(?:[,:-](\d+))?$/.exec(text);
  if (!m) throw new UsageError(`-p takes first[,last], not '${text}'`);
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  if (first < 1 || last < first) throw new UsageError(`-p range ${text} is empty (packets count from 1)`);
  return { first, last };
}

/** `-x offset[,length]`. */
export function parseHex(text: string): { offset: number; length: number } {
  const m = /^(\d+)(?:,(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`-x takes offset[,length], not '${text}'`);
  return { offset: Number(m[1]), length: m[2] === undefined ? Number.MAX_SAFE_INTEGER : Number(m[2]) };
}

/** Repeatable options gather into a list; the empty default stays out of --help. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const TIME = { r: 'relative', a: 'absolute', d: 'delta' } as const;

export const EXAMPLES = `
Examples:
  dlsnoop -i capture.pcap                      snoop-style summary of a file
  dlsnoop -i capture.pcapng -v -p 5,9          full decode of packets 5 to 9
  dlsnoop -i capture.pcap --json probe         in.mpathd probes as JSON lines
  dlsnoop -d eth1 -d eth2 igmp or mld          watch multicast membership on two links
  dlsnoop -d eth1 -o probes.pcapng probe       save probes with annotations as comments
  dlsnoop --tui -i fixtures/ipmp-demo.pcapng   browse a capture in the terminal UI
  dlsnoop -i capture.pcap --ipmpstat t         rebuild 'ipmpstat -t' from the wire
  dlsnoop -C 'host 192.0.2.1 and icmp'         show the kernel and user filter programs
  dlsnoop probe -d eth1 --test-addr 192.0.2.10 192.0.2.1
`;

export function buildProgram(): Command {
  const program = new Command('dlsnoop')
    .description('Capture and decode packets snoop-style; annotate IPMP probes and multicast memberships.')
    .usage('[options] [filter expression]')
    .argument('[expression...]', 'snoop filter expression (see FILTERS below)')
    .option('-d, --link <link>', 'capture on this link; repeat for several links', collect)
    .option('-i, --input <file>', "read a pcap, pcapng or snoop file ('-' = standard input)", collect)
    .option('-o, --output <file>', 'write packets to a file instead of decoding them')
    .option('-O, --ring <prefix:count:size>', 'write a ring of count files of about size bytes (k/m/g)')
    .addOption(new Option('--format <format>', 'output file format (default: from the file name extension, else pcap)').choices(['pcap', 'pcapng', 'snoop']))
    .option('--nano', 'write pcap with nanosecond timestamps')
    .option('-c, --count <n>', 'stop after n packets that pass the filter', integer('-c', 1))
    .option('-p, --packets <first[,last]>', 'show only this range of packets (from a file)', parseRange)
    .option('-s, --snaplen <bytes>', 'truncate captured packets to this many bytes', integer('-s', 0, 262144), 0)
    .option('-P, --no-promisc', 'non-promiscuous: all multicast, broadcast and our own unicast only')
    .option('-f, --force', 'warn instead of failing when promiscuous mode cannot be enabled')
    .option('-q, --quiet', 'no packet counter while writing with -o')
    .option('-v, --verbose', 'full detail of every header field')
    .option('-V, --layers', 'one summary line per protocol layer')
    .option('-t, --time <r|a|d>', 'time stamps: relative, absolute or delta')
    .option('-S, --size', 'show the original length of each packet')
    .option('-D, --drops', 'show the cumulative kernel drop count')
    .option('-x, --hex <offset[,length]>', 'hex dump from offset for length bytes', parseHex)
    .option('-r, --no-resolve', 'do not turn addresses into names')
    .option('-n, --names <file>', 'load an address-to-name table (/etc/hosts format)')
    .option('-C, --print-filter', 'print the kernel and user filter programs and exit')
    .option('-U, --user-filter', 'run the whole filter in user space')
    .option('--json', 'one JSON object per packet')
    .option('--tui', 'interactive terminal UI')
    .option('--buffer <n>', 'TUI: keep the newest n packets', integer('--buffer', 1000), 1_000_000)
    .option('--ipmp-config <file>', 'IPMP groups, interfaces and test addresses (JSON)')
    .addOption(new Option('--ipmpstat <view>', "print an 'ipmpstat' table rebuilt from the wire ('p' streams rows as probes resolve)").choices(['t', 'p', 'g', 'i']))
    .option('--ilm [host]', "print the multicast membership table rebuilt from IGMP/MLD ('host': the kernel's)")
    .option('-Z, --user <user>', 'after opening links and files, run as this user')
    .option('--no-drop', 'keep root privileges after opening links')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  return program;
}

interface RawOptions {
  link?: string[];
  input?: string[];
  output?: string;
  ring?: string;
  format?: 'pcap' | 'pcapng' | 'snoop';
  nano?: boolean;
  count?: number;
  packets?: { first: number; last: number };
  snaplen: number;
  promisc: boolean;
  force?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  layers?: boolean;
  time?: string;
  size?: boolean;
  drops?: boolean;
  hex?: { offset: number; length: number };
  resolve: boolean;
  names?: string;
  printFilter?: boolean;
  userFilter?: boolean;
  json?: boolean;
  tui?: boolean;
  buffer: number;
  ipmpConfig?: string;
  ipmpstat?: 't' | 'p' | 'g' | 'i';
  ilm?: boolean | string;
  user?: string;
  drop: boolean;
}

export function toConfig(raw: RawOptions, words: string[]): CaptureConfig {
  const links = raw.link ?? [];
  const files = raw.input ?? [];
  let time: CaptureConfig['time'];
  if (raw.time !== undefined) {
    if (!(raw.time in TIME)) throw new UsageError(`-t takes r, a or d, not '${raw.time}'`);
    time = TIME[raw.time as keyof typeof TIME];
  }
  if (raw.ilm !== undefined && raw.ilm !== true && raw.ilm !== 'host') throw new UsageError(`--ilm takes no value or 'host', not '${raw.ilm}'`);
  if (links.length && files.length) throw new UsageError('-d and -i cannot be used together');
  if (files.length > 1) throw new UsageError('only one -i file at a time');
  if (raw.output && raw.ring) throw new UsageError('-o and -O cannot be used together');
  if (raw.json && (raw.verbose || raw.layers)) throw new UsageError('--json cannot be combined with -v or -V');
  return {
    files,
    links,
    output: raw.output,
    ring: raw.ring,
    format: raw.format,
    nano: !!raw.nano,
    count: raw.count,
    range: raw.packets,
    snaplen: raw.snaplen,
    promisc: raw.promisc ? 'phys' : 'multi',
    promiscWarnOnly: !!raw.force,
    quiet: !!raw.quiet,
    mode: raw.verbose ? 'verbose' : raw.layers ? 'layers' : 'summary',
    time,
    showLength: !!raw.size,
    showDrops: !!raw.drops,
    hex: raw.hex,
    noResolve: !raw.resolve,
    namesFile: raw.names,
    printFilter: !!raw.printFilter,
    userFilterOnly: !!raw.userFilter,
    json: !!raw.json,
    tui: !!raw.tui,
    buffer: raw.buffer,
    ipmpConfig: raw.ipmpConfig,
    ipmpstat: raw.ipmpstat,
    ilm: raw.ilm === undefined ? undefined : raw.ilm === 'host' ? 'host' : 'observed',
    dropTo: raw.user,
    noDrop: !raw.drop,
    expression: words.join(' ').trim(),
  };
}
