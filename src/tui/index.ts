// `dlsnoop --tui`: wires the capture source, the observers and the filter compiler to the store
// and the screen, and runs until the user quits. This is the only TUI module that knows the
// concrete filter and observer modules; everything else takes them as small interfaces.
import type { IlmObserver } from '../annotate/ilm/observer.js';
import { renderIlmTable } from '../annotate/ilm/views.js';
import type { Annotator } from '../annotate/annotation.js';
import type { IpmpObserver } from '../annotate/ipmp/observer.js';
import { renderIpmpstat } from '../annotate/ipmp/views.js';
import type { CaptureSource } from '../capture/frame.js';
import { compileFilter, FilterSyntaxError } from '../filter/compile.js';
import type { HostTable } from '../filter/names.js';
import { NO_NAMES, type NameLookup } from '../output/render/context.js';
import { TuiPipeline, type PacketFilter } from './pipeline.js';
import { saveView } from './save.js';
import { TuiScreen } from './screen.js';
import { DEFAULT_BUFFER_LIMIT } from './store.js';
import type { FilterCheck } from './view-model.js';

export interface TuiOptions {
  source: CaptureSource;
  /** Initial filter expression (already known to compile). */
  filter?: string;
  /** Names for the filter's host primitives. */
  hosts?: HostTable;
  /** Names for addresses in the list and detail. */
  names?: NameLookup;
  /** --buffer: keep the newest this many packets (default 1,000,000). */
  bufferLimit?: number;
  ipmp?: IpmpObserver;
  ilm?: IlmObserver;
  /** Capturing from links (follow new packets) rather than reading a file. */
  live?: boolean;
  /** Promiscuous mode the live links were opened with, for the links pane. */
  promisc?: 'phys' | 'multi';
}

const LINKS_REFRESH_MS = 1000;
const CLOSE_WAIT_MS = 1000;

/** Run the terminal UI until the user quits; returns the exit status. */
export async function runTui(opts: TuiOptions): Promise<number> {
  const { source } = opts;
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    process.stderr.write('dlsnoop: --tui needs a terminal on standard input and output\n');
    return 1;
  }
  const annotators: Annotator[] = [];
  if (opts.ipmp) annotators.push(opts.ipmp);
  if (opts.ilm) annotators.push(opts.ilm);
  const pipeline = new TuiPipeline(source, annotators, opts.bufferLimit ?? DEFAULT_BUFFER_LIMIT);

  // The TUI filters stored packets in user space, so any expression may be applied later,
  // whatever the kernel was given when the links were opened.
  const compile = (expression: string): PacketFilter | null =>
    expression.trim()
      ? compileFilter(expression, {
          hosts: opts.hosts,
          linkNames: source.links.map((l) => l.name),
          linkType: source.links[0]?.linkType ?? 1,
          snaplen: 65535,
          live: false,
          userOnly: true,
        })
      : null;
  const checkFilter = (expression: string): FilterCheck => {
    try {
      compile(expression);
      return { ok: true };
    } catch (err) {
      if (err instanceof FilterSyntaxError) return { ok: false, message: err.message, position: err.position };
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  };

  await pipeline.applyFilter(compile(opts.filter ?? ''));
  const ipmp = opts.ipmp;
  const ilm = opts.ilm;
  const ui = new TuiScreen({
    pipeline,
    names: opts.names ?? NO_NAMES,
    description: source.description,
    live: !!opts.live,
    filter: opts.filter ?? '',
    checkFilter,
    compileFilter: compile,
    tables: {
      targets: ipmp ? () => renderIpmpstat('t', ipmp) : undefined,
      probes: ipmp ? () => renderIpmpstat('p', ipmp) : undefined,
      ilm: ilm ? () => renderIlmTable(ilm) : undefined,
    },
    links: () => ({
      links: source.links,
      stats: source.stats(),
      rates: pipeline.rates,
      promisc: opts.live ? (opts.promisc === 'multi' ? 'off (all-multicast)' : 'on') : undefined,
    }),
    save: (path) => saveView(pipeline, path, source.stats()),
  });

  let quitting = false;
  let sourceError: string | undefined;
  const pump = (async () => {
    try {
      for await (const batch of source.batches()) {
        await pipeline.idle();
        if (quitting) break;
        ui.packetsArrived(pipeline.ingest(batch));
        // A file delivers batches back to back; let keys and redraws in between.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (quitting) break;
      }
      if (!quitting) ui.sourceEnded();
    } catch (err) {
      sourceError = err instanceof Error ? err.message : String(err);
      if (!quitting) ui.sourceEnded(sourceError);
    }
  })();

  const refresh = setInterval(() => ui.redraw(), LINKS_REFRESH_MS);
  refresh.unref();
  const onSignal = (): void => ui.requestQuit();
  const signals = ['SIGTERM', 'SIGHUP'] as const;
  for (const sig of signals) process.on(sig, onSignal);
  try {
    await ui.quit;
  } finally {
    quitting = true;
    clearInterval(refresh);
    for (const sig of signals) process.off(sig, onSignal);
    await source.close();
    await Promise.race([pump, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
  }
  if (sourceError) {
    process.stderr.write(`dlsnoop: ${source.description}: ${sourceError}\n`);
    return 1;
  }
  return 0;
}
