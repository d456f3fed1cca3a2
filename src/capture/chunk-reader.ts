// Chunked, zero-copy reading shared by the pcap, pcapng and snoop readers.
//
// The file is read in large chunks into one reused buffer; each reader parses whole records in
// place and points the batch's offsets into that buffer. A record cut by the end of a chunk is
// moved to the front of the buffer once per chunk (never per packet) before the next read.

import type { Readable } from 'node:stream';
import { open } from 'node:fs/promises';
import { allocBatch, Direction } from './frame.js';
import type { CaptureSource, FrameBatch, LinkDesc, LinkStats } from './frame.js';
import { FileFormatError } from './file-format-error.js';

/** Largest chunk we read at once; small files get a buffer their own size. */
const MAX_CHUNK = 8 * 1024 * 1024;
const MIN_CHUNK = 4096;
/** Read-ahead pays once a chunk is this big; smaller inputs are read whole. */
const MIN_AHEAD_CHUNK = 1024 * 1024;
/** The room kept in front of a read-ahead chunk: 1/8 of it, so 1 MiB of an 8 MiB chunk. */
const AHEAD_ROOM_FRACTION = 8;
/** Stream input (stdin) arrives in pipe-sized pieces; this holds several, and the largest pcap record. */
const STREAM_CHUNK = 512 * 1024;
/**
 * With read-ahead on, the first read is this short: decoding starts after a quick read while
 * read-ahead brings the rest of the chunk (waiting for a whole 8 MiB chunk cost about 25 ms).
 */
const FIRST_READ = 256 * 1024;
/** Frames per batch: large enough to amortise the async hop, small enough to stay in cache. */
const MAX_BATCH = 4096;
/** A small file needs no more slots than it can hold minimal records. */
const MIN_RECORD = 16;

/** Where the bytes come from: a file or a stream such as standard input. */
export interface ByteInput {
  /** Read up to `length` bytes into `into` at `at`; 0 means the input has ended. */
  read(into: Buffer, at: number, length: number): Promise<number>;
  close(): Promise<void>;
  /** Buffer size to start with. */
  readonly chunkSize: number;
}

export async function openFileInput(path: string): Promise<ByteInput> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  // +1 so that a file read whole in one go still sees end-of-file without growing the buffer.
  const chunkSize = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, size + 1));
  return {
    chunkSize,
    async read(into, at, length) {
      const { bytesRead } = await handle.read(into, at, length, null);
      return bytesRead;
    },
    close: () => handle.close(),
  };
}

export function streamInput(stream: Readable): ByteInput {
  const pieces = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let piece: Buffer = Buffer.alloc(0);
  let piecePos = 0;
  return {
    chunkSize: STREAM_CHUNK,
    async read(into, at, length) {
      while (piecePos >= piece.length) {
        const next = await pieces.next();
        if (next.done) return 0;
        piece = typeof next.value === 'string' ? Buffer.from(next.value, 'latin1') : next.value;
        piecePos = 0;
      }
      const n = Math.min(length, piece.length - piecePos);
      piece.copy(into, at, piecePos, piecePos + n);
      piecePos += n;
      return n;
    },
    async close() {
      await pieces.return?.();
    },
  };
}

/**
 * A window over the input: bytes[pos, end) are unparsed, and bytes[0] is file offset `base`.
 *
 * Read-ahead: while records of one chunk are parsed, the next chunk is read into a second buffer
 * of the same size, after AHEAD_ROOM bytes left free in front. When the parser needs it, the few
 * unparsed bytes left over (a record cut by the chunk's end) go into that room and the buffers
 * swap: the thread pool copies file data while this thread decodes, and nothing waits for a read
 * of the cache but the first.
 */
export class ChunkReader {
  bytes: Buffer;
  view: DataView;
  pos = 0;
  end = 0;
  base = 0;
  private eof = false;
  /** The buffer the next chunk is read into; null until the first read-ahead. */
  private spare: Buffer | null = null;
  /** The read in flight into `spare` at `aheadRoom`, resolving to its byte count. */
  private ahead: Promise<number> | null = null;
  /** Free bytes in front of a read-ahead, for the left-over bytes of the chunk before; 0 turns read-ahead off. */
  private readonly aheadRoom: number;

  constructor(private readonly input: ByteInput) {
    this.bytes = Buffer.allocUnsafeSlow(input.chunkSize);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    // Small inputs are read whole at once: read-ahead would only double their buffer.
    this.aheadRoom = input.chunkSize >= MIN_AHEAD_CHUNK ? Math.floor(input.chunkSize / AHEAD_ROOM_FRACTION) : 0;
  }

  get available(): number {
    return this.end - this.pos;
  }

  /** File offset of the next unparsed byte. */
  get fileOffset(): number {
    return this.base + this.pos;
  }

  /**
   * Make at least `need` unparsed bytes available. Invalidates earlier batches (the buffer is
   * compacted or replaced), so call it only when the consumer asked for the next batch.
   * Returns false when the input ends first.
   */
  async ensure(need: number): Promise<boolean> {
    for (;;) {
      if (this.end - this.pos >= need) {
        this.readAhead();
        return true;
      }
      if (this.ahead) {
        await this.takeAhead();
        continue;
      }
      if (this.eof) return false;
      // No read in flight (the first read, or read-ahead off): read into this buffer.
      this.compact();
      // Grow only when the buffer is full and still short: one record is larger than a chunk.
      if (this.end === this.bytes.length) this.grow(need);
      const first = this.aheadRoom > 0 && this.base === 0 && this.end === 0;
      const n = await this.input.read(this.bytes, this.end, first ? FIRST_READ : this.bytes.length - this.end);
      if (n === 0) this.eof = true;
      else this.end += n;
    }
  }

  async close(): Promise<void> {
    // Its failure no longer matters; the handle must not close under it.
    if (this.ahead) await this.ahead.catch(() => 0);
    this.ahead = null;
    await this.input.close();
  }

  /** Start reading the next chunk into the spare buffer, unless a read is in flight or the input ended. */
  private readAhead(): void {
    if (this.ahead || this.eof || this.aheadRoom === 0) return;
    if (this.spare === null || this.spare.length !== this.bytes.length) this.spare = Buffer.allocUnsafeSlow(this.bytes.length);
    this.ahead = this.input.read(this.spare, this.aheadRoom, this.spare.length - this.aheadRoom);
    // A failure is thrown where the bytes are wanted (takeAhead), not as an unhandled rejection.
    this.ahead.catch(() => undefined);
  }

  /** Put the read-ahead chunk after the unparsed bytes: swap buffers, or join both when the left-over is long. */
  private async takeAhead(): Promise<void> {
    const pending = this.ahead as Promise<number>;
    const spare = this.spare as Buffer;
    let n: number;
    try {
      n = await pending;
    } finally {
      this.ahead = null;
    }
    if (n === 0) {
      this.eof = true;
      return;
    }
    const left = this.end - this.pos;
    const fileOffset = this.base + this.pos;
    if (left <= this.aheadRoom) {
      const start = this.aheadRoom - left;
      this.bytes.copy(spare, start, this.pos, this.end);
      this.spare = this.bytes;
      this.setBuffer(spare, start, this.aheadRoom + n);
    } else {
      // A record longer than the room was cut by the chunk's end (rare): one buffer for both.
      const joined = Buffer.allocUnsafeSlow(Math.max(this.bytes.length, left + n));
      this.bytes.copy(joined, 0, this.pos, this.end);
      spare.copy(joined, left, this.aheadRoom, this.aheadRoom + n);
      this.setBuffer(joined, 0, left + n);
    }
    this.base = fileOffset - this.pos;
  }

  /** Move the unparsed bytes to the front of the buffer. */
  private compact(): void {
    if (this.pos === 0) return;
    this.bytes.copyWithin(0, this.pos, this.end);
    this.base += this.pos;
    this.end -= this.pos;
    this.pos = 0;
  }

  private setBuffer(bytes: Buffer, pos: number, end: number): void {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = pos;
    this.end = end;
  }

  private grow(need: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(need, this.bytes.length * 2));
    this.bytes.copy(bigger, 0, 0, this.end);
    this.setBuffer(bigger, this.pos, this.end);
  }
}

/** The batch loop every file format shares; subclasses parse records in `fill`. */
export abstract class ChunkedFileSource implements CaptureSource {
  readonly links: LinkDesc[] = [];
  /** Records delivered per link. */
  protected readonly recordsPerLink: number[] = [];
  /** Set by `fill` when it meets damage; thrown once the good frames before it are yielded. */
  protected damage: FileFormatError | null = null;
  protected readonly batch: FrameBatch;
  private closed = false;

  protected constructor(
    protected readonly reader: ChunkReader,
    readonly description: string,
    /** What a record is called in truncation messages, e.g. `pcap record`. */
    private readonly recordKind: string,
  ) {
    this.batch = allocBatch(Math.min(MAX_BATCH, Math.ceil(reader.bytes.length / MIN_RECORD)));
  }

  /**
   * Parse whole records from reader.pos into `batch` (appending at batch.count) and advance
   * reader.pos past them. Returns the number of bytes needed at reader.pos to parse the next
   * record when fewer are buffered, else 0 (batch full, or `damage` set).
   */
  protected abstract fill(batch: FrameBatch): number;

  async *batches(): AsyncGenerator<FrameBatch> {
    const reader = this.reader;
    const batch = this.batch;
    for (;;) {
      if (this.damage) throw this.damage;
      batch.count = 0;
      batch.bytes = reader.bytes;
      const need = this.fill(batch);
      if (batch.count > 0) yield batch;
      if (this.damage) throw this.damage;
      if (need > 0 && !(await reader.ensure(need))) {
        if (reader.available === 0) return;
        throw truncated(this.recordKind, reader, need);
      }
    }
  }

  stats(): LinkStats[] {
    return this.links.map((_, i) => ({ received: this.recordsPerLink[i] ?? 0, dropped: 0 }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reader.close();
  }
}

/**
 * The record loop of single-link formats whose records are a fixed-size header and then the
 * frame (pcap, snoop). Subclasses check a record's header and store its frame; the loop keeps
 * to whole buffered records and says how many bytes the next one needs.
 */
export abstract class FixedHeaderRecordSource extends ChunkedFileSource {
  protected constructor(
    reader: ChunkReader,
    description: string,
    recordKind: string,
    private readonly recordHeaderLen: number,
  ) {
    super(reader, description, recordKind);
  }

  /** Length of the whole record whose header is buffered at `pos`, or -1 after setting `damage`. */
  protected abstract recordLength(pos: number): number;

  /** Store the frame of the record at `pos` (wholly buffered) in slot `n` of `batch`. */
  protected abstract storeRecord(batch: FrameBatch, n: number, pos: number): void;

  protected fill(batch: FrameBatch): number {
    const reader = this.reader;
    const headerLen = this.recordHeaderLen;
    const capacity = batch.offset.length;
    const end = reader.end;
    const first = batch.count;
    let pos = reader.pos;
    let n = first;
    let need = 0;
    while (n < capacity) {
      if (end - pos < headerLen) {
        need = headerLen;
        break;
      }
      const recordLen = this.recordLength(pos);
      if (recordLen < 0) break;
      if (end - pos < recordLen) {
        need = recordLen;
        break;
      }
      this.storeRecord(batch, n, pos);
      pos += recordLen;
      n++;
    }
    this.recordsPerLink[0] += n - first;
    reader.pos = pos;
    batch.count = n;
    return need;
  }

  /** Store a frame of the only link; these formats record neither direction nor packet type. */
  protected storeFrame(batch: FrameBatch, n: number, dataOff: number, capLen: number, wireLen: number, drops: number): void {
    batch.offset[n] = dataOff;
    batch.capLen[n] = capLen;
    batch.wireLen[n] = wireLen;
    batch.link[n] = 0;
    batch.direction[n] = Direction.UNKNOWN;
    batch.pktType[n] = 255;
    batch.drops[n] = drops;
  }
}

/**
 * Store a timestamp given as seconds and a fraction in units of 1/`fracPerSecond` s, each
 * `nsPerFrac` ns. An out-of-range fraction still names an exact instant: it is carried into
 * the seconds.
 */
export function storeTimestamp(batch: FrameBatch, n: number, sec: number, frac: number, fracPerSecond: number, nsPerFrac: number): void {
  if (frac < fracPerSecond) {
    batch.tsSec[n] = sec;
    batch.tsNsec[n] = frac * nsPerFrac;
  } else {
    const carry = Math.floor(frac / fracPerSecond);
    batch.tsSec[n] = sec + carry;
    batch.tsNsec[n] = (frac - carry * fracPerSecond) * nsPerFrac;
  }
}

/** The error for input that ends inside a header or record starting at reader.pos. */
export function truncated(what: string, reader: ChunkReader, need: number): FileFormatError {
  const at = reader.fileOffset;
  return new FileFormatError(
    `truncated ${what} at byte ${at}: needs ${need} bytes, the file ends after ${reader.available}`,
    at,
  );
}
