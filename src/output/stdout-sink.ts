// Buffered text output. Each line is encoded straight into a byte buffer as it is written, and the
// stream gets one write per filled buffer plus one per batch, with backpressure at the batch end.
// Gathering lines into one big string instead costs ten times more: V8 must flatten the rope and
// re-encode it (two-byte as soon as a line holds '→') before the stream can take it.
// A reader that goes away (`dlsnoop ... | head`) ends output quietly: `closed` turns true.
import type { Writable } from 'node:stream';

const BUFFER_BYTES = 1 << 16;

export class TextSink {
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private broken = false;
  /** The stream asked us to wait (write returned false) since the last flush. */
  private backlogged = false;

  constructor(private readonly stream: Writable) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.broken = true;
      else throw err;
    });
  }

  get closed(): boolean {
    return this.broken;
  }

  write(text: string): void {
    // UTF-8 needs at most three bytes per UTF-16 unit.
    if (this.used + text.length * 3 > this.buffer.length) {
      this.handOff();
      if (text.length * 3 > this.buffer.length) this.buffer = Buffer.allocUnsafe(text.length * 3);
    }
    this.used += this.buffer.write(text, this.used);
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

  /** Give the filled part to the stream, which may keep it queued: the next lines go to a fresh buffer. */
  private handOff(): void {
    if (this.used === 0) return;
    if (!this.broken && !this.stream.write(this.buffer.subarray(0, this.used))) this.backlogged = true;
    this.buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    this.used = 0;
  }
}
