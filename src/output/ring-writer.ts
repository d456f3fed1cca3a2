// snoop -O prefix:count:size: a ring of `count` capture files of about `size` bytes each.
// When the current file has reached its size the next one is started (the oldest, once the
// ring is full), cut back to nothing but a fresh header.

import type { FrameBatch, LinkStats } from '../capture/frame.js';
import { openCaptureWriter } from './capture-writer.js';
import type { CaptureFormat, CaptureWriter, CaptureWriterOptions } from './capture-writer.js';

export interface RingSpec {
  prefix: string;
  /** Number of files, 1-100. */
  count: number;
  /** Bytes per file before moving on. */
  size: number;
}

/** A malformed `-O` argument; `code` lets the CLI print it as one line like other usage errors. */
export class RingSpecError extends Error {
  readonly code = 'ERR_RING_SPEC';
  constructor(spec: string, problem: string) {
    super(`bad ring specification '${spec}': ${problem}`);
    this.name = 'RingSpecError';
  }
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parse `prefix:count:size` (size with an optional k, m or g suffix). */
export function parseRingSpec(spec: string): RingSpec {
  const match = /^(.+):(\d+):(\d+)([kmg]?)$/i.exec(spec);
  if (!match) {
    throw new RingSpecError(spec, 'expected prefix:count:size, e.g. cap:10:100m');
  }
  const count = Number(match[2]);
  if (count < 1 || count > 100) throw new RingSpecError(spec, `count must be 1 to 100, not ${match[2]}`);
  const size = Number(match[3]) * SIZE_UNITS[match[4].toLowerCase()];
  if (size < 1) throw new RingSpecError(spec, 'size must be at least 1 byte');
  return { prefix: match[1], count, size };
}

/** `prefix-NN.ext`, as snoop names its ring files (`%s-%02d.snoop`). */
export function ringFilePath(prefix: string, index: number, format: CaptureFormat): string {
  return `${prefix}-${String(index).padStart(2, '0')}.${format}`;
}

export class RingFileWriter implements CaptureWriter {
  readonly spec: RingSpec;
  private readonly format: CaptureFormat;
  private current: CaptureWriter;
  private index = 0;
  /** Packets in files already finished. */
  private finishedPackets = 0;

  /** `opts.format` defaults to pcap, like other output files. */
  constructor(spec: string | RingSpec, private readonly opts: CaptureWriterOptions) {
    this.spec = typeof spec === 'string' ? parseRingSpec(spec) : spec;
    this.format = opts.format ?? 'pcap';
    this.current = this.open(0);
  }

  get packetsWritten(): number {
    return this.finishedPackets + this.current.packetsWritten;
  }

  /** Bytes in the current file. */
  get bytesWritten(): number {
    return this.current.bytesWritten;
  }

  /** Path of the file being written now. */
  get currentPath(): string {
    return ringFilePath(this.spec.prefix, this.index, this.format);
  }

  write(batch: FrameBatch, index: number, comments?: readonly string[]): void {
    if (this.current.bytesWritten >= this.spec.size && this.current.packetsWritten > 0) this.advance();
    this.current.write(batch, index, comments);
  }

  endBatch(): void {
    this.current.endBatch();
  }

  flush(): void {
    this.current.flush();
  }

  close(stats?: readonly LinkStats[]): void {
    this.current.close(stats);
  }

  private advance(): void {
    this.current.close();
    this.finishedPackets += this.current.packetsWritten;
    this.index = (this.index + 1) % this.spec.count;
    this.current = this.open(this.index);
  }

  private open(index: number): CaptureWriter {
    return openCaptureWriter(ringFilePath(this.spec.prefix, index, this.format), { ...this.opts, format: this.format });
  }
}
