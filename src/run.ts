// The capture loop: source → decode → annotate → filter → sinks, one batch at a time.
// Annotators see every packet (a filter must not hide the reply that acks a probe); the filter
// and the -p range only decide what is shown or written.
import { NO_ANNOTATIONS, observeAll, type Annotator } from './annotate/annotation.js';
import type { CaptureSource, FrameBatch } from './capture/frame.js';
import { decodeFrame } from './decode/decode.js';
import { Packet } from './decode/packet.js';
import type { CompiledFilter } from './filter/compile.js';
import type { CaptureWriter } from './output/capture-writer.js';
import { jsonLine } from './output/json.js';
import type { NameLookup } from './output/render/context.js';
import type { TextSink } from './output/stdout-sink.js';
import type { TextFormatter } from './output/text.js';

export interface LoopSinks {
  text?: { formatter: TextFormatter; sink: TextSink };
  json?: { sink: TextSink; names: NameLookup };
  writer?: CaptureWriter;
  /** Called after every batch (packet counters on stderr, ipmpstat -p rows...). */
  afterBatch?: () => void | Promise<void>;
}

export interface LoopOptions {
  filter: CompiledFilter | null;
  annotators: readonly Annotator[];
  /** Stop after this many packets pass the filter (-c). */
  count?: number;
  /** Only packets numbered first..last (-p). */
  range?: { first: number; last: number };
  /** Checked between batches: a signal asked us to stop. */
  stopRequested: () => boolean;
  /**
   * False when nothing downstream looks inside packets (copying to pcap or snoop with no filter,
   * no annotations and no views): frames then go straight from the source to the writer.
   */
  decode: boolean;
  /** Verify checksums (Packet.checksums): only -v lines and JSON show the verdicts. */
  checksums: boolean;
}

export interface LoopResult {
  seen: number;
  matched: number;
  /** The first sink that closed (a reader of our stdout went away). */
  outputClosed: boolean;
}


export async function runLoop(source: CaptureSource, opts: LoopOptions, sinks: LoopSinks): Promise<LoopResult> {
  const pkt = new Packet();
  pkt.checksums = opts.checksums;
  const result: LoopResult = { seen: 0, matched: 0, outputClosed: false };
  const links = source.links;
  const { filter, annotators, range } = opts;
  const needAnnotations = annotators.length > 0;
  const outSink = sinks.text?.sink ?? sinks.json?.sink;

  const handle = (batch: FrameBatch, i: number): boolean => {
    const number = ++result.seen;
    const link = links[batch.link[i]];
    decodeFrame(pkt, batch, i, link.linkType, number);
    const annotations = needAnnotations ? observeAll(annotators, pkt, link.name) : NO_ANNOTATIONS;
    if (range && (number < range.first || number > range.last)) return number <= range.last;
    if (filter && !filter.matches(pkt)) return true;
    result.matched++;
    if (sinks.text) sinks.text.formatter.write(pkt, annotations, sinks.text.sink);
    if (sinks.json) sinks.json.sink.text(jsonLine(pkt, link.name, annotations, sinks.json.names));
    if (sinks.writer) sinks.writer.write(batch, i, annotations.map((a) => `${a.source.toUpperCase()}: ${a.summary}`));
    return opts.count === undefined || result.matched < opts.count;
  };

  /** Copy mode: the frames of `batch` inside -p's range and -c's count go to the writer together. */
  const copy = (batch: FrameBatch, writer: CaptureWriter): boolean => {
    const firstNumber = result.seen + 1;
    result.seen += batch.count;
    let from = 0;
    let to = batch.count;
    if (range) {
      from = Math.max(0, range.first - firstNumber);
      to = Math.min(to, range.last - firstNumber + 1);
    }
    if (opts.count !== undefined) to = Math.min(to, from + opts.count - result.matched);
    if (to > from) {
      if (writer.writeBatch) writer.writeBatch(batch, from, to);
      else for (let i = from; i < to; i++) writer.write(batch, i);
      result.matched += to - from;
    }
    return !(range && result.seen >= range.last) && (opts.count === undefined || result.matched < opts.count);
  };

  for await (const batch of source.batches()) {
    let goOn = true;
    if (!opts.decode && sinks.writer) goOn = copy(batch, sinks.writer);
    else for (let i = 0; i < batch.count && goOn; i++) goOn = handle(batch, i);
    sinks.writer?.endBatch();
    if (outSink) {
      await outSink.flush();
      if (outSink.closed) {
        result.outputClosed = true;
        break;
      }
    }
    if (sinks.afterBatch) await sinks.afterBatch();
    if (!goOn || opts.stopRequested()) break;
  }
  return result;
}
