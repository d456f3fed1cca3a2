// Writing frames to capture files: the common interface and the format choice.

import type { FrameBatch, LinkDesc, LinkStats } from '../capture/frame.js';
import { OutputFile, type GatherIo } from './output-file.js';
import { PcapWriter } from './pcap-writer.js';
import { PcapngWriter } from './pcapng-writer.js';
import { SnoopWriter } from './snoop-writer.js';

export interface CaptureWriter {
  /** Append frame `index` of `batch`; `comments` become pcapng opt_comment (ignored by pcap/snoop). */
  write(batch: FrameBatch, index: number, comments?: readonly string[]): void;
  /** Where a writer has a faster way, frames from..to-1 of `batch`, without comments, as write() would. */
  writeBatch?(batch: FrameBatch, from: number, to: number): void;
  /**
   * The batch written from is about to be handed back to its source: write out any record that
   * still points into its memory (gathered writes, output-file.ts). Call after every batch.
   */
  endBatch(): void;
  /** Write buffered records now (they are otherwise written in large blocks). */
  flush(): void;
  /** Flush buffered records, write pcapng ISBs with the given per-link stats, close the fd. */
  close(stats?: readonly LinkStats[]): void;
  readonly packetsWritten: number;
  /** File bytes written or buffered, headers included. */
  readonly bytesWritten: number;
}

export type CaptureFormat = 'pcap' | 'pcapng' | 'snoop';

export interface CaptureWriterOptions {
  /** Default: from the file extension (.pcap, .pcapng, .snoop), else pcap. */
  format?: CaptureFormat;
  /** pcap only: nanosecond timestamps (magic a1b23c4d). pcapng always writes ns; snoop only has µs. */
  nano?: boolean;
  /** The source's links, live: links pushed later are picked up when their frames arrive. */
  links: readonly LinkDesc[];
  /** Cut frames to this many bytes, and record it as the snap length (default: each link's). */
  snaplen?: number;
  /** Write frames in native memory (live ring blocks) from where they lie, with writev. */
  gather?: GatherIo;
}

/** The format a path's extension names, or undefined. */
export function formatOfPath(path: string): CaptureFormat | undefined {
  const match = /\.(pcap|pcapng|snoop)$/i.exec(path);
  return match ? (match[1].toLowerCase() as CaptureFormat) : undefined;
}

/** Create `path` (`-` = standard output) and write a capture file header to it. */
export function openCaptureWriter(path: string, opts: CaptureWriterOptions): CaptureWriter {
  const format = opts.format ?? formatOfPath(path) ?? 'pcap';
  const file = new OutputFile(path, opts.gather ?? null);
  try {
    switch (format) {
      case 'pcapng':
        return new PcapngWriter(file, opts);
      case 'snoop':
        return new SnoopWriter(file, opts);
      case 'pcap':
        return new PcapWriter(file, opts);
    }
  } catch (err) {
    // A link the format cannot hold: leave no open descriptor behind.
    file.close();
    throw err;
  }
}
