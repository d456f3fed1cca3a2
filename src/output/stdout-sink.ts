// Buffered text output. Lines are written as bytes into a 256 KiB buffer (ByteText), and the stream
// gets one write per filled buffer plus one per batch, with backpressure at the batch end.
// Gathering lines into one big string instead costs ten times more: V8 must flatten the rope and
// re-encode it (two-byte as soon as a line holds '→') before the stream can take it.
// A reader that goes away (`dlsnoop ... | head`) ends output quietly: `closed` turns true.
import type { Writable } from 'node:stream';
import { ByteText } from './byte-text.js';

const BUFFER_BYTES = 1 << 18;

export class TextSink extends ByteText {
  private broken = false;
  /** The stream asked us to wait (write returned false) since the last flush. */
  private backlogged = false;

  constructor(private readonly stream: Writable) {
    super(BUFFER_BYTES);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.broken = true;
      else throw err;
    });
  }

  get closed(): boolean {
    return this.broken;
  }

  protected spill(need: number): void {
    this.handOff();
    if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need);
  }

  async flush(): Promise<void> {
    this.handOff();
    if (!this.backlogged || this.broken) return;
    this.backlogged = false;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }

  /**
   * Give the filled part to the stream. A stream that wrote it at once (files, and pipes on
   * Linux, are synchronous for stdout) leaves nothing queued and the buffer is used again;
   * otherwise the stream keeps it and the next lines go to a fresh one.
   */
  private handOff(): void {
    if (this.pos === 0) return;
    if (!this.broken && !this.stream.write(this.buf.subarray(0, this.pos))) this.backlogged = true;
    if (this.stream.writableLength !== 0) this.buf = Buffer.allocUnsafe(Math.max(BUFFER_BYTES, this.buf.length));
    this.pos = 0;
  }
}
