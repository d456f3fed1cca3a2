// dlsnoop's command line: parse options, open the source, compile the filter, build annotators
// and sinks, run the loop, and turn every failure into one line on stderr with a non-zero exit.
// The FFI (link access), the TUI and the prober are imported only on the paths that use them:
// a file read starts about 70 ms sooner without them.
import { CommanderError } from 'commander';
import type { Annotator } from './annotate/annotation.js';
import { IlmObserver } from './annotate/ilm/observer.js';
import { renderHostIlmTable, renderIlmTable } from './annotate/ilm/views.js';
import { hostMemberships, readHostTables } from './annotate/ilm/host-tables.js';
import { IpmpConfigError, loadIpmpConfig } from './annotate/ipmp/config.js';
import { readBondingTargets } from './annotate/ipmp/linux-monitors.js';
import { IpmpObserver } from './annotate/ipmp/observer.js';
import { ProbeRowStream, renderIpmpstat } from './annotate/ipmp/views.js';
import type { CaptureSource } from './capture/frame.js';
import { openFileSource } from './capture/file-source.js';
import { FileFormatError } from './capture/file-format-error.js';
import { compileFilter, FILTER_HELP, FilterSyntaxError, type CompiledFilter } from './filter/compile.js';
import { loadHostsFile, type HostTable } from './filter/names.js';
import { formatOfPath, openCaptureWriter, type CaptureWriter, type CaptureWriterOptions } from './output/capture-writer.js';
import { NO_NAMES, type NameLookup } from './output/render/context.js';
import { RingFileWriter } from './output/ring-writer.js';
import { TextSink } from './output/stdout-sink.js';
import { TextFormatter } from './output/text.js';
import { buildProgram, toConfig, UsageError, type CaptureConfig } from './options.js';
import { runLoop, type LoopSinks } from './run.js';

/** Kernel ring per link: 32 MiB holds about 300 k small frames, a few hundred ms at 1 Mpps. */
const RING_BYTES = 32 << 20;

const PROBE_HELP = `
Prober:
  dlsnoop probe -d LINK --test-addr ADDR [--format ms32|ns64] [--fdt ms] [--count N] [TARGET...]
  sends in.mpathd-style probes and reports failure and repair (see 'dlsnoop probe --help').
`;

function fail(message: string): number {
  process.stderr.write(`dlsnoop: ${message}\n`);
  return 1;
}

function nameLookup(hosts: HostTable | undefined, cfg: CaptureConfig): NameLookup {
  if (!hosts || cfg.noResolve) return NO_NAMES;
  return { ipv4: (a) => hosts.nameOfIpv4(a), ipv6: (t) => hosts.nameOfIpv6(t) };
}

function loadHosts(cfg: CaptureConfig): HostTable {
  return loadHostsFile(cfg.namesFile ? [cfg.namesFile, '/etc/hosts'] : ['/etc/hosts']);
}

async function openSource(cfg: CaptureConfig, filterBytes: Buffer | null, onWarning: (m: string) => void): Promise<CaptureSource> {
  if (cfg.files.length) return openFileSource(cfg.files[0]);
  // Link access loads the FFI; reading files never needs it, so it is imported only here.
  const { openLiveSource } = await import('./capture/live-source.js');
  const { defaultLink } = await import('./dlpi/links.js');
  const links = cfg.links.length ? cfg.links : [defaultLink()];
  const source = await openLiveSource(links, {
    promisc: cfg.promisc,
    forcePromiscWarningOnly: cfg.promiscWarnOnly,
    snaplen: cfg.snaplen || undefined,
    // Short block timeouts keep the TUI live; a deep ring rides out GC pauses at line rate.
    blockTimeoutMs: cfg.tui ? 50 : 200,
    ringBytes: RING_BYTES,
    filter: filterBytes,
    onWarning,
    onLinkGone: (name: string, reason: string) => onWarning(`link '${name}' ${reason}; capture on it has ended`),
  });
  process.stderr.write(`Using device ${links.join(', ')} (${cfg.promisc === 'phys' ? 'promiscuous mode' : 'non promiscuous'})\n`);
  return source;
}

async function makeWriter(cfg: CaptureConfig, source: CaptureSource, live: boolean): Promise<CaptureWriter | undefined> {
  if (cfg.ring) return new RingFileWriter(cfg.ring, await writerOptions(cfg, source, live));
  if (cfg.output) return openCaptureWriter(cfg.output, await writerOptions(cfg, source, live));
  return undefined;
}

async function writerOptions(cfg: CaptureConfig, source: CaptureSource, live: boolean): Promise<CaptureWriterOptions> {
  // Live frames sit in the mapped ring: they go to the file from there, uncopied.
  const gather = live ? (await import('./output/native-gather.js')).nativeGather : undefined;
  return { format: cfg.format, nano: cfg.nano, links: source.links, snaplen: cfg.snaplen || undefined, gather };
}

/** `step()`, closing `source` before passing on what it throws: an error exit leaves no file or link open. */
async function closingOnError<T>(source: CaptureSource, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    await source.close();
    throw err;
  }
}

async function capture(cfg: CaptureConfig): Promise<number> {
  const live = cfg.files.length === 0;
  const hosts = loadHosts(cfg);
  const names = nameLookup(hosts, cfg);
  const compileFor = (linkType: number, linkNames: readonly string[]): CompiledFilter | null =>
    cfg.expression ? compileFilter(cfg.expression, { hosts, linkNames, linkType, snaplen: cfg.snaplen || undefined, live, userOnly: cfg.userFilterOnly }) : null;

  if (cfg.printFilter) {
    const compiled = compileFor(1, cfg.links);
    process.stdout.write(compiled ? compiled.listing() + '\n' : 'No filter expression given.\n');
    return 0;
  }
  if (cfg.ilm === 'host' && !cfg.links.length && !cfg.files.length) {
    // `--ilm host` on its own: the kernel's tables, no capture.
    process.stdout.write(renderHostIlmTable(readHostTables('/proc')));
    return 0;
  }

  // Live links: compile first so a bad expression fails before any link is opened.
  const liveFilter = live ? compileFor(1, cfg.links) : null;
  let stopping = false;
  const warn = (m: string): void => void process.stderr.write(`${m}\n`);
  // Read before any file or link is opened: a bad config then fails with nothing left open.
  const ipmpConfig = cfg.ipmpConfig ? loadIpmpConfig(cfg.ipmpConfig) : undefined;
  // The TUI filters in user space so a filter can be widened later: the kernel gets everything.
  const source = await openSource(cfg, cfg.tui ? null : liveFilter?.kernel?.toBuffer() ?? null, warn);
  // A file's filter is compiled for its link type, so it can fail only now: close the file first.
  const filter = live ? liveFilter : await closingOnError(source, () => compileFor(source.links[0]?.linkType ?? 1, source.links.map((l) => l.name)));
  const writer = await closingOnError(source, () => makeWriter(cfg, source, live));
  if (live && !cfg.noDrop) (await import('./dlpi/privileges.js')).dropPrivileges({ user: cfg.dropTo });

  // On a live host the kernel's bonding configuration names the targets its ARP/NS monitors probe.
  const ipmp = new IpmpObserver(ipmpConfig, live ? readBondingTargets() : []);
  const ilm = new IlmObserver();
  const annotators: Annotator[] = [ipmp, ilm];

  if (cfg.tui) {
    const { runTui } = await import('./tui/index.js');
    return runTui({ source, filter: cfg.expression, hosts, names, bufferLimit: cfg.buffer, ipmp, ilm, live, promisc: cfg.promisc });
  }

  // First signal: stop taking new blocks, drain what the ring holds, close files, print the
  // statistics. A second signal means the user does not want to wait.
  const onSignal = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    if ('stop' in source && typeof source.stop === 'function') source.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  process.on('SIGUSR1', () => {
    if (cfg.ipmpstat) process.stderr.write(renderIpmpstat(cfg.ipmpstat, ipmp));
    if (cfg.ilm) process.stderr.write(renderIlmTable(ilm));
  });

  // pcapng carries annotations as comments; pcap and snoop files need no decoding at all.
  const outFormat = cfg.format ?? (cfg.output ? formatOfPath(cfg.output) : undefined) ?? 'pcap';
  const plainCopy = !!writer && !filter && !cfg.ipmpstat && !cfg.ilm && outFormat !== 'pcapng';
  const sinks: LoopSinks = {};
  const out = new TextSink(process.stdout);
  // Live: the kernel's own multicast tables, re-read at most once a second, let the ilm observer
  // put the host's row next to each report the host itself sends (not needed when nothing is decoded).
  let hostTablesReadAt = 0;
  const refreshHostTables = (): void => {
    const now = Date.now();
    if (!live || plainCopy || now - hostTablesReadAt < 1000) return;
    hostTablesReadAt = now;
    ilm.setHostTables(hostMemberships(readHostTables('/proc')));
  };
  refreshHostTables();
  if (writer) {
    sinks.writer = writer;
    sinks.afterBatch = () => {
      refreshHostTables();
      // Live capture can be slow: push whole records to disk each batch so an abrupt end loses little.
      if (live) writer.flush();
      if (!cfg.quiet && process.stderr.isTTY) process.stderr.write(`\r${writer.packetsWritten} `);
    };
  } else if (cfg.json) {
    sinks.json = { sink: out, names };
  } else if (!cfg.ipmpstat && !cfg.ilm) {
    const formatter = new TextFormatter(
      {
        mode: cfg.mode,
        time: cfg.time ?? (live || cfg.mode === 'verbose' ? 'none' : 'delta'),
        numbers: !live && cfg.mode !== 'verbose',
        showLength: cfg.showLength,
        showDrops: cfg.showDrops,
        hex: cfg.hex,
        showLink: cfg.links.length > 1,
        names,
      },
      source.links,
    );
    sinks.text = { formatter, sink: out };
  }

  sinks.afterBatch ??= refreshHostTables;
  // `--ipmpstat p` streams like ipmpstat -p: each row as its probe resolves, written after every batch.
  const probeRows = cfg.ipmpstat === 'p' ? new ProbeRowStream(ipmp) : null;
  if (probeRows) {
    const eachBatch = sinks.afterBatch;
    sinks.afterBatch = async () => {
      await eachBatch();
      out.text(probeRows.next());
      await out.flush();
    };
  }
  let status = 0;
  let result;
  try {
    result = await runLoop(source, { filter, annotators, count: cfg.count, range: cfg.range, stopRequested: () => stopping, decode: !plainCopy, checksums: cfg.json || cfg.mode === 'verbose' }, sinks);
  } catch (err) {
    // Everything before the damage has been printed and written; say what broke and where.
    await out.flush();
    if (!(err instanceof FileFormatError)) throw err;
    status = fail(`${cfg.files[0]}: ${err.message}`);
  } finally {
    writer?.close(source.stats());
    await source.close();
  }
  if (probeRows) {
    // Probes past their deadline at the last packet are lost; ones still within it print nothing.
    ipmp.finishAtLastPacket();
    out.text(probeRows.next());
    await out.flush();
  } else if (cfg.ipmpstat) process.stdout.write(renderIpmpstat(cfg.ipmpstat, ipmp));
  if (cfg.ilm) process.stdout.write(renderIlmTable(ilm));
  if (cfg.ilm === 'host') process.stdout.write(renderHostIlmTable(readHostTables('/proc')));
  if (writer && !cfg.quiet && process.stderr.isTTY) process.stderr.write('\n');
  if (live) {
    const stats = source.stats();
    // The kernel's count includes what it dropped; captured is what reached us.
    const lines = stats.map((s, i) => `${s.received - s.dropped} packets captured, ${s.dropped} dropped by kernel${stats.length > 1 ? ` on ${source.links[i].name}` : ''}`);
    process.stderr.write(lines.join('\n') + '\n');
  } else if (cfg.count !== undefined && result) {
    process.stderr.write(`${result.matched} packets captured\n`);
  }
  return status;
}

/** Entry point used by bin/dlsnoop; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.addHelpText('after', FILTER_HELP);
  let status = 0;
  // `probe` is a subcommand only as the first word: `dlsnoop -i f probe` is a filter expression.
  if (argv[2] === 'probe') (await import('./probe/command.js')).registerProbeCommand(program, (s) => (status = s));
  else program.addHelpText('after', PROBE_HELP);
  program.action(async (words: string[], raw) => {
    status = await capture(toConfig(raw, words));
  });
  try {
    await program.parseAsync(argv);
    return status;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      return fail(err.message.replace(/^error: /, ''));
    }
    if (err instanceof UsageError) return fail(err.message);
    if (err instanceof FilterSyntaxError) {
      process.stderr.write(`dlsnoop: filter error: ${err.message}\n${err.caretLine()}\n`);
      return 1;
    }
    if (err instanceof FileFormatError) return fail(err.message);
    const { DlpiError } = await import('./dlpi/errors.js');
    if (err instanceof DlpiError) return fail(err.link && !err.message.includes(err.link) ? `cannot open link '${err.link}': ${err.message}` : err.message);
    if (err instanceof IpmpConfigError) return fail(err.message);
    if (err instanceof Error && 'code' in err && typeof (err as NodeJS.ErrnoException).code === 'string') {
      // Node's text is "ENOENT: no such file or directory, open 'x'"; say it as "x: no such file or directory".
      const e = err as NodeJS.ErrnoException;
      const m = /^[A-Z]+: ([^,]+), \w+ '(.*)'$/.exec(e.message);
      return fail(m ? `${m[2]}: ${m[1]}` : e.message);
    }
    throw err;
  }
}
