// A capture file being written: records are assembled in one large buffer and written in bulk.
// Only whole records ever reach the file; when a write fails the file is cut back to the end of
// the data already written, so it stays readable, and the error names the file and the errno.

import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { getSystemErrorMap } from 'node:util';

const BUFFER_SIZE = 1024 * 1024;
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

/** "No space left on device": the errno text as strerror spells it. */
function errnoText(err: NodeJS.ErrnoException): string {
  const text = err.errno === undefined ? undefined : getSystemErrorMap().get(err.errno)?.[1];
  if (!text) return err.message;
  return text[0].toUpperCase() + text.slice(1);
}

export class OutputFile {
  /** Records being assembled; bytes [0, length) are whole records not yet written. */
  buf: Buffer;
  view: DataView;
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

  /** Create (truncate) `path` for writing; `-` is standard output. */
  constructor(readonly path: string) {
    try {
      this.ownsFd = path !== '-';
      this.fd = this.ownsFd ? openSync(path, 'w') : 1;
      this.regularFile = fstatSync(this.fd).isFile();
    } catch (err) {
      throw new CaptureWriteError(`cannot write ${path}: ${errnoText(err as NodeJS.ErrnoException)}`, path, (err as NodeJS.ErrnoException).code ?? 'EIO');
    }
    this.buf = Buffer.allocUnsafeSlow(BUFFER_SIZE);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Bytes written or buffered so far. */
  get size(): number {
    return this.written + this.length;
  }

  /** Make room for a record of up to `bytes` at buf[length], flushing first when needed; returns its offset. */
  reserve(bytes: number): number {
    if (this.failure) throw this.failure;
    if (this.length + bytes > this.buf.length) {
      this.flush();
      if (bytes > this.buf.length) {
        this.buf = Buffer.allocUnsafeSlow(bytes);
        this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      }
    }
    return this.length;
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
    this.written += this.length;
    this.length = 0;
  }

  /** Flush and close. After a failure the file is already closed and this does nothing. */
  close(): void {
    if (this.closed || this.failure) return;
    this.flush();
    this.closed = true;
    if (this.ownsFd) closeSync(this.fd);
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
    this.failure = new CaptureWriteError(`cannot write ${this.path}: ${errnoText(err)}`, this.path, err.code ?? 'EIO');
    throw this.failure;
  }
}

/** Bytes of padding after `length` to the next 4-byte boundary. */
export function padding(length: number): number {
  return (4 - (length % 4)) % 4;
}
