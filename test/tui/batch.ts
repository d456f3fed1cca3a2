// Test helper: a FrameBatch over frames laid out in one buffer, `gap` bytes apart (like record
// headers in a file chunk), one millisecond apart in time.
import { allocBatch, type FrameBatch } from '../../src/capture/frame.js';

export function batchOf(frames: readonly Uint8Array[], opts: { gap?: number; startSec?: number; link?: number } = {}): FrameBatch {
  const gap = opts.gap ?? 16;
  const batch = allocBatch(frames.length);
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length + gap, gap));
  let off = gap;
  frames.forEach((f, i) => {
    bytes.set(f, off);
    batch.offset[i] = off;
    batch.capLen[i] = f.length;
    batch.wireLen[i] = f.length + 4;
    batch.tsSec[i] = (opts.startSec ?? 1_700_000_000) + Math.floor(i / 1000);
    batch.tsNsec[i] = (i % 1000) * 1_000_000;
    batch.link[i] = opts.link ?? 0;
    batch.direction[i] = 1;
    off += f.length + gap;
  });
  batch.bytes = bytes;
  batch.count = frames.length;
  return batch;
}

/** A frame of `len` bytes whose every byte says which frame it is. */
export function marked(n: number, len: number): Uint8Array {
  return new Uint8Array(len).fill(n & 0xff);
}
