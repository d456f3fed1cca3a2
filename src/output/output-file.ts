// A capture file being written: records are assembled in one large buffer and written in bulk.
// Only whole records ever reach the file; when a write fails the file is cut back to the end of
// the data already written, so it stays readable, and the error names the file and the errno.
//
// Gathered mode (live capture): the buffer lives in native memory and frames that are themselves
// in native memory (a mapped ring block) are not copied at all. The pending writes become a list
// of iovecs, alternating runs of the buffer (record headers) and frames where they lie, and one
// writev(2) hands the lot to the kernel: copying a 64-byte frame in JS cost more than all the
// rest done for its record.

import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { getSystemErrorMap, getSystemErrorName } from 'node:util';

const BUFFER_SIZE = 1024 * 1024;
/** IOV_MAX on Linux: the most iovecs one writev takes. */
const MAX_IOVECS = 1024;
/** A record adds at most a buffer run and a frame; the flush adds the last run. */
const IOVECS_PER_RECORD = 2;
/** Frames up to this many bytes are copied word by word (measured faster than Buffer.copy below ~200). */
const SMALL_FRAME = 160;
/** Lets a blocked non-blocking stdout drain without spinning. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Why a capture file could not be written: a system error (`code` = errno name) or a link the format cannot hold. */
export class CaptureWriteError extends Error {
  constructor(
    message: string,
    readonly path: string,
    /** `ENOSPC`, `EACCES`, ... or `ERR_CAPTURE_LINKTYPE`. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'CaptureWriteError';
  }
}

/**
 * What gathered writes need from the system, supplied by output/native-gather.ts (through the FFI,
 * which is loaded for live capture only): memory that never moves, so iovecs can point into it,
 * and writev.
 */
export interface GatherIo {
  /** `size` bytes of native memory: its address and a Buffer over it. */
  allocate(size: number): { address: number; bytes: Buffer };
  free(address: number, size: number): void;
  /** writev(2) of the first `count` iovecs in `iov` (struct iovec as 32-bit words): bytes written, or -errno. */
  writev(fd: number, iov: Uint32Array, count: number): number;
}

/** "No space left on device": the errno text as strerror spells it. */
function errnoText(err: NodeJS.ErrnoException): string {
  const text = err.errno === undefined ? undefined : getSystemErrorMap().get(err.errno)?.[1];
  if (!text) return err.message;
  return text[0].toUpperCase() + text.slice(1);
}

export class OutputFile {
  /** Records being assembled; bytes [0, length) are whole records not yet written (less the frames left in place). */
  buf: Buffer = Buffer.alloc(0);
  view: DataView = new DataView(new ArrayBuffer(0));
  length = 0;
  /** Bytes already in the file, all of them whole records. */
  private written = 0;
  private fd: number;
  private readonly ownsFd: boolean;
  private readonly regularFile: boolean;
  private failure: CaptureWriteError | null = null;
  private closed = false;
  /** A Buffer view of the last source batch's memory, so copying a frame allocates nothing. */
  private sourceBytes: Uint8Array | null = null;
  private sourceView: Buffer = Buffer.alloc(0);
  private sourceData: DataView = new DataView(new ArrayBuffer(0));
  /** Native address of `buf` (gathered mode). */
  private bufAddress = 0;
  /**
   * Pending writes in gathered mode, as struct iovec {base, len} in 32-bit halves; empty otherwise.
   * Lengths never reach 2^32, so every fourth word stays 0.
   */
  private readonly iov = new Uint32Array(MAX_IOVECS * 4);
  private iovCount = 0;
  /** Start of the part of `buf` not yet listed in `iov`. */
  private runStart = 0;
  /** Bytes of frames listed in `iov` rather than copied, since the last flush. */
  private referenced = 0;

  /**
   * Create (truncate) `path` for writing; `-` is standard output. With `gather`, frames in native
   * memory are written from where they lie (see placeFrame).
   */
  constructor(
    readonly path: string,
    private readonly gather: GatherIo | null = null,
  ) {
    try {
      this.ownsFd = path !== '-';
      this.fd = this.ownsFd ? openSync(path, 'w') : 1;
      this.regularFile = fstatSync(this.fd).isFile();
    } catch (err) {
      throw new CaptureWriteError(`cannot write ${path}: ${errnoText(err as NodeJS.ErrnoException)}`, path, (err as NodeJS.ErrnoException).code ?? 'EIO');
    }
    this.setBuffer(BUFFER_SIZE);
  }

  /** Bytes written or buffered so far. */
  get size(): number {
    return this.written + this.length + this.referenced;
  }

  /** Make room for a record of up to `bytes` at buf[length], flushing first when needed; returns its offset. */
  reserve(bytes: number): number {
    this.checkWritable();
    if (this.length + bytes > this.buf.length || this.iovCount + IOVECS_PER_RECORD >= MAX_IOVECS) {
      this.flush();
      if (bytes > this.buf.length) this.setBuffer(bytes);
    }
    return this.length;
  }

  /**
   * Put `count` bytes of a frame at `from` in `bytes` into the record at buf[at]; returns the
   * offset in `buf` where the record goes on. In gathered mode a frame in native memory
   * (`address`, FrameBatch.address, not 0) stays where it is: the next flush writes it from
   * there, so that must happen before the memory is reused (flushReferences).
   */
  placeFrame(bytes: Uint8Array, address: number, from: number, count: number, at: number): number {
    if (address === 0 || this.gather === null) {
      this.copyFrame(bytes, from, count, at);
      return at + count;
    }
    if (count > 0) this.listExternal(address + from, count, at);
    return at;
  }

  /**
   * Gathered mode: make room for whole records in native memory (listRecord) and return how many
   * may be listed before asking again. Whatever the buffer holds goes ahead of them.
   */
  openRecords(): number {
    this.checkWritable();
    if (this.iovCount + IOVECS_PER_RECORD >= MAX_IOVECS) this.flush();
    this.listRun(this.length);
    // One iovec stays free for a run the buffer may gain before the flush.
    return MAX_IOVECS - 1 - this.iovCount;
  }

  /**
   * List a whole record of `count` bytes lying at native address `high` * 2^32 + `low`, left there
   * as placeFrame leaves frames, within the room openRecords() granted. The address comes in
   * 32-bit halves so that a batch splits its base once instead of dividing a double per record.
   */
  listRecord(low: number, high: number, count: number): void {
    const i = this.iovCount++ * 4;
    this.iov[i] = low;
    this.iov[i + 1] = high;
    this.iov[i + 2] = count;
    this.referenced += count;
  }

  /** Frames and records can be left where they lie in native memory (see placeFrame). */
  get gathering(): boolean {
    return this.gather !== null;
  }

  /** Write out now if a pending record points at a frame outside the buffer (its memory is about to be reused). */
  flushReferences(): void {
    if (this.referenced > 0) this.flush();
  }

  /** Copy `count` bytes of a frame at `from` in `bytes` to buf[at]. */
  copyFrame(bytes: Uint8Array, from: number, count: number, at: number): void {
    if (bytes !== this.sourceBytes) {
      this.sourceBytes = bytes;
      this.sourceView = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.sourceData = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    if (count > SMALL_FRAME) {
      this.sourceView.copy(this.buf, at, from, from + count);
      return;
    }
    // Buffer.copy makes a typed-array view per call; for small frames, word moves cost a third.
    const src = this.sourceData;
    const dst = this.view;
    let i = 0;
    for (; i + 4 <= count; i += 4) dst.setUint32(at + i, src.getUint32(from + i));
    for (; i < count; i++) this.buf[at + i] = bytes[from + i];
  }

  /** Zero `count` padding bytes at buf[at] (the buffer is reused, so padding would leak old data). */
  zero(at: number, count: number): void {
    if (count > 0) this.buf.fill(0, at, at + count);
  }

  flush(): void {
    if (this.failure) throw this.failure;
    if (this.iovCount > 0) this.writeGathered();
    else this.writeBuffered();
    this.written += this.length + this.referenced;
    this.length = 0;
    this.referenced = 0;
    this.runStart = 0;
    this.iovCount = 0;
  }

  /** Flush and close. After a failure the file is already closed and this does nothing. */
  close(): void {
    if (this.closed || this.failure) return;
    this.flush();
    this.closed = true;
    if (this.ownsFd) closeSync(this.fd);
    this.freeBuffer();
  }

  private checkWritable(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error(`${this.path} is closed`);
  }

  private writeBuffered(): void {
    let done = 0;
    while (done < this.length) {
      try {
        done += writeSync(this.fd, this.buf, done, this.length - done);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(pause, 0, 0, 1);
          continue;
        }
        this.fail(err as NodeJS.ErrnoException);
      }
    }
  }

  private writeGathered(): void {
    const gather = this.gather as GatherIo;
    this.listRun(this.length);
    let first = 0;
    let left = this.length + this.referenced;
    while (left > 0) {
      const iov = first === 0 ? this.iov : this.iov.subarray(first * 4);
      const n = gather.writev(this.fd, iov, this.iovCount - first);
      if (n < 0 && n !== -constants.errno.EAGAIN) this.fail(errnoException(n));
      if (n <= 0) {
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      left -= n;
      if (left > 0) first = this.skipWritten(first, n);
    }
  }

  /** Take `n` bytes just written off the front of the iovecs from `first` on; returns the first with bytes left. */
  private skipWritten(first: number, n: number): number {
    const iov = this.iov;
    while (n > 0) {
      const i = first * 4;
      const len = iov[i + 2];
      if (n >= len) {
        n -= len;
        first++;
        continue;
      }
      const base = iov[i] + iov[i + 1] * 2 ** 32 + n;
      iov[i] = base >>> 0;
      iov[i + 1] = (base / 2 ** 32) >>> 0;
      iov[i + 2] = len - n;
      n = 0;
    }
    return first;
  }

  /** List what `buf` holds before `at`, then `count` bytes at native `address`, which stay there until the flush. */
  private listExternal(address: number, count: number, at: number): void {
    this.listRun(at);
    this.listIovec(address, count);
    this.referenced += count;
  }

  /** List the part of `buf` before `at` not listed yet: records' headers, or whole copied records. */
  private listRun(at: number): void {
    if (at > this.runStart) this.listIovec(this.bufAddress + this.runStart, at - this.runStart);
    this.runStart = at;
  }

  /** Append struct iovec {base, len}; addresses are below 2^53, so doubles carry them exactly. */
  private listIovec(base: number, len: number): void {
    const i = this.iovCount++ * 4;
    this.iov[i] = base >>> 0;
    this.iov[i + 1] = (base / 2 ** 32) >>> 0;
    this.iov[i + 2] = len;
  }

  /** A fresh record buffer of `size` bytes; the old one holds nothing pending (just flushed). */
  private setBuffer(size: number): void {
    this.freeBuffer();
    if (this.gather) {
      const { address, bytes } = this.gather.allocate(size);
      this.bufAddress = address;
      this.buf = bytes;
    } else {
      this.buf = Buffer.allocUnsafeSlow(size);
    }
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Give native memory back; `buf` becomes empty so a stray access cannot reach unmapped memory. */
  private freeBuffer(): void {
    if (this.gather === null || this.bufAddress === 0) return;
    const size = this.buf.length;
    this.buf = Buffer.alloc(0);
    this.view = new DataView(new ArrayBuffer(0));
    this.gather.free(this.bufAddress, size);
    this.bufAddress = 0;
  }

  private fail(err: NodeJS.ErrnoException): never {
    if (this.regularFile) {
      try {
        ftruncateSync(this.fd, this.written);
      } catch {
        // The write error is the one worth reporting.
      }
    }
    this.closed = true;
    if (this.ownsFd) closeSync(this.fd);
    this.freeBuffer();
    this.failure = new CaptureWriteError(`cannot write ${this.path}: ${errnoText(err)}`, this.path, err.code ?? 'EIO');
    throw this.failure;
  }
}

/** An fs-style error for a negative errno returned by a libc call. */
function errnoException(negativeErrno: number): NodeJS.ErrnoException {
  const code = getSystemErrorName(negativeErrno);
  return Object.assign(new Error(code), { errno: negativeErrno, code });
}

/** Bytes of padding after `length` to the next 4-byte boundary. */
export function padding(length: number): number {
  return (4 - (length % 4)) % 4;
}
