// Gathered writes (live capture): frames in native memory go to the file with writev, from where
// they lie, with pcap record headers put in the frames' headroom. The files must be byte for byte
// what the copying writers produce, across iovec-table flushes, short writes and EAGAIN.
import { readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LinkType, type FrameBatch } from '../../src/capture/frame.js';
import { openCaptureWriter, type CaptureFormat, type CaptureWriter } from '../../src/output/capture-writer.js';
import * as c from '../../src/dlpi/libc.js';
import { nativeGather } from '../../src/output/native-gather.js';
import { CaptureWriteError, type GatherIo } from '../../src/output/output-file.js';
import { batchOf, makeFrames, tempDir, type TestFrame } from '../capture/file-fixtures.js';

const dir = tempDir();
let n = 0;
const path = (ext: string) => join(dir, `g${n++}.${ext}`);
const links = [{ name: 'e', linkType: LinkType.ETHERNET, snaplen: 65535 }];

/** Native memory handed out by the tests, given back at the end. */
const allocations: { address: number; size: number }[] = [];
afterAll(() => {
  for (const a of allocations) nativeGather.free(a.address, a.size);
});

/**
 * `frames` in one block of native memory, as a ring block presents them: `headroom` free bytes in
 * front of each frame and an unrelated gap (filled with 0xee) before that, which must never reach
 * the file.
 */
function nativeBatch(frames: readonly TestFrame[], headroom: number, allocate = nativeGather.allocate): FrameBatch {
  const gap = 7;
  const size = frames.reduce((sum, f) => sum + gap + headroom + f.data.length, 0);
  const { address, bytes } = allocate(size);
  allocations.push({ address, size });
  bytes.fill(0xee);
  // The columns as any test batch has them; then the frames move to the native block.
  const batch = batchOf(frames);
  let off = 0;
  frames.forEach((f, i) => {
    off += gap + headroom;
    bytes.set(f.data, off);
    batch.offset[i] = off;
    batch.drops[i] = i;
    off += f.data.length;
  });
  batch.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  batch.address = address;
  batch.headroom = headroom;
  batch.count = frames.length;
  return batch;
}

/** Write each batch whole, ending it as the capture loop does. */
function writeBatches(writer: CaptureWriter, batches: readonly FrameBatch[]): void {
  for (const batch of batches) {
    for (let i = 0; i < batch.count; i++) writer.write(batch, i);
    writer.endBatch();
  }
}

/** The file the copying writer makes of the same frames (drops numbered as nativeBatch does). */
function copiedFile(format: CaptureFormat, nano: boolean, chunks: readonly TestFrame[][]): Buffer {
  const out = path(format);
  const writer = openCaptureWriter(out, { format, nano, links });
  writeBatches(
    writer,
    chunks.map((frames) => {
      const batch = batchOf(frames);
      frames.forEach((_, i) => (batch.drops[i] = i));
      return batch;
    }),
  );
  writer.close();
  return readFileSync(out);
}

/** 1,500 frames in chunks of 700: more records than one writev takes, with a flush mid-batch. */
function chunked(seed: number): TestFrame[][] {
  const frames = makeFrames(1500, seed, { nano: true });
  return [frames.slice(0, 700), frames.slice(700, 1400), frames.slice(1400)];
}

describe('gathered writes', () => {
  const cases: [CaptureFormat, boolean, number][] = [
    ['pcap', false, 16],
    ['pcap', true, 16],
    ['pcap', false, 0],
    ['snoop', false, 16],
  ];
  for (const [format, nano, headroom] of cases) {
    it(`${format}${nano ? ' (ns)' : ''} with ${headroom} bytes of headroom: the same bytes as copying`, () => {
      const chunks = chunked(11);
      const out = path(format);
      const writer = openCaptureWriter(out, { format, nano, links, gather: nativeGather });
      const batches = chunks.map((frames) => nativeBatch(frames, headroom));
      writeBatches(writer, batches);
      // endBatch wrote everything out: the memory may now be reused without touching the file.
      for (const b of batches) b.bytes.fill(0x55);
      const size = writer.bytesWritten;
      writer.close();
      expect(readFileSync(out).equals(copiedFile(format, nano, chunks))).toBe(true);
      expect(statSync(out).size).toBe(size);
    });
  }

  it('goes on after short writes and EAGAIN, leaving the same file', () => {
    const eagain = -constants.errno.EAGAIN;
    let calls = 0;
    // writev that takes at most 1000 bytes per call, and every third call would block.
    const stingy: GatherIo = {
      allocate: (size) => nativeGather.allocate(size),
      free: (address, size) => nativeGather.free(address, size),
      writev(fd, iov, count) {
        if (++calls % 3 === 0) return eagain;
        const cut = new Uint32Array(count * 4);
        let room = 1000;
        let i = 0;
        for (; i < count && room > 0; i++) {
          cut.set(iov.subarray(i * 4, i * 4 + 4), i * 4);
          cut[i * 4 + 2] = Math.min(iov[i * 4 + 2], room);
          room -= cut[i * 4 + 2];
        }
        return nativeGather.writev(fd, cut, i);
      },
    };
    const chunks = chunked(12);
    const out = path('pcap');
    const writer = openCaptureWriter(out, { format: 'pcap', links, gather: stingy });
    writeBatches(writer, chunks.map((frames) => nativeBatch(frames, 16)));
    writer.close();
    expect(calls).toBeGreaterThan(100);
    expect(readFileSync(out).equals(copiedFile('pcap', false, chunks))).toBe(true);
  });

  it('reports a full device by name and errno, as the copying writer does', () => {
    const writer = openCaptureWriter('/dev/full', { format: 'pcap', links, gather: nativeGather });
    let caught: unknown;
    try {
      writeBatches(writer, [nativeBatch(makeFrames(20, 3), 16)]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CaptureWriteError);
    expect(caught).toMatchObject({ message: 'cannot write /dev/full: No space left on device', code: 'ENOSPC' });
    expect(() => writer.close()).not.toThrow();
  });

  it('lists records on both sides of a 4 GiB address boundary, whole batches at a time', () => {
    // Record addresses go to writev in 32-bit halves: a block straddling a multiple of 2^32
    // must carry into the high half. Ask the kernel for memory there (a hint, taken when free).
    const straddling = (size: number) => {
      const before = 64 * 1024;
      for (let k = 1n; k <= 64n; k++) {
        const hint = 0x5000_0000_0000n + k * 2n ** 32n - BigInt(before);
        const addr = c.mmap(hint, size, c.PROT_READ | c.PROT_WRITE, c.MAP_PRIVATE | c.MAP_ANONYMOUS, -1, 0);
        if (addr === hint) return { address: Number(addr), bytes: Buffer.from(c.view(addr, size)) };
        if (addr !== c.MAP_FAILED) c.munmap(addr, size);
      }
      throw new Error('no free address range across a 4 GiB boundary');
    };
    const frames = makeFrames(1500, 13);
    const batch = nativeBatch(frames, 16, straddling);
    const last = batch.offset[frames.length - 1];
    expect(batch.address % 2 ** 32).toBeGreaterThan(2 ** 32 - 64 * 1024 - 1);
    expect(batch.address + last).toBeGreaterThan(2 ** 32 * Math.ceil(batch.address / 2 ** 32));
    const out = path('pcap');
    const writer = openCaptureWriter(out, { format: 'pcap', links, gather: nativeGather });
    writer.writeBatch?.(batch, 0, 600);
    writer.writeBatch?.(batch, 600, frames.length);
    writer.endBatch();
    writer.close();
    expect(readFileSync(out).equals(copiedFile('pcap', false, [frames]))).toBe(true);
  });

  it('leaves frames in JS memory to the copying path', () => {
    const frames = makeFrames(50, 4);
    const out = path('pcap');
    const writer = openCaptureWriter(out, { format: 'pcap', links, gather: nativeGather });
    writeBatches(writer, [batchOf(frames)]);
    writer.close();
    expect(readFileSync(out).equals(copiedFile('pcap', false, [frames]))).toBe(true);
  });

  it('never lets the record buffer outlive close (a stray write cannot reach unmapped memory)', () => {
    const writer = openCaptureWriter(path('pcap'), { format: 'pcap', links, gather: nativeGather });
    writeBatches(writer, [nativeBatch(makeFrames(5, 5), 16)]);
    writer.close();
    expect(() => writer.write(batchOf(makeFrames(1, 6)), 0)).toThrow(/is closed/);
  });
});
