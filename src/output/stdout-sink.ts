// Buffered text output. Lines are gathered into one string per batch and handed to the stream
// once, with backpressure, so printing costs one write per batch rather than one per packet.
// A reader that goes away (`dlsnoop ... | head`) ends output quietly: `closed` turns true.
import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;

export class TextSink {
  private pending = '';
  private broken = false;

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
    this.pending += text;
  }

  /** True when enough is gathered that the caller should flush before going on. */
  get full(): boolean {
    return this.pending.length >= FLUSH_AT;
  }

  async flush(): Promise<void> {
    if (!this.pending || this.broken) {
      this.pending = '';
      return;
    }
    const text = this.pending;
    this.pending = '';
    if (!this.stream.write(text)) {
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
  }
}
