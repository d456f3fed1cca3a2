import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../../src/capture/file-format-error.js';
import { openFileSource, openStreamSource } from '../../src/capture/file-source.js';
import { makeFrames, pcapFile, readAll, sameFrames, tempDir } from './file-fixtures.js';

const dir = tempDir();
let n = 0;
function file(bytes: Uint8Array): string {
  const path = join(dir, `t${n++}.pcap`);
  writeFileSync(path, bytes);
  return path;
}

describe('pcap reader', () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      it(`reads ${le ? 'little' : 'big'}-endian ${nano ? 'ns' : 'µs'} files exactly`, async () => {
        const frames = makeFrames(50, 7, { nano });
        const source = await openFileSource(file(pcapFile(frames, { le, nano, snaplen: 1234, linkType: 113 | (1 << 26) | (2 << 28) })));
        expect(source.links).toEqual([{ name: 'link0', linkType: 113, snaplen: 1234 }]);
        const { frames: got, error } = await readAll(source);
        expect(error).toBeNull();
        expect(sameFrames(got, frames)).toBe('same');
        expect(source.stats()).toEqual([{ received: 50, dropped: 0 }]);
      });
    }
  }

  it('accepts caplen above the snaplen up to 256 KiB', async () => {
    const frames = makeFrames(3, 2);
    frames[1].data = new Uint8Array(262144).fill(7);
    frames[1].wireLen = 262144;
    const { frames: got, error } = await readAll(await openFileSource(file(pcapFile(frames, { le: true, nano: false, snaplen: 96 }))));
    expect(error).toBeNull();
    expect(got.map((f) => f.data.length)).toEqual(frames.map((f) => f.data.length));
    expect(Buffer.from(got[1].data).equals(Buffer.from(frames[1].data))).toBe(true);
  });

  it('carries an out-of-range fraction into the seconds', async () => {
    const frames = makeFrames(1, 3);
    const bytes = pcapFile(frames, { le: true, nano: false });
    bytes.writeUInt32LE(2_500_000, 24 + 4);
    const { frames: got } = await readAll(await openFileSource(file(bytes)));
    expect(got[0].sec).toBe(frames[0].sec + 2);
    expect(got[0].nsec).toBe(500_000_000);
  });

  it('delivers every record across chunk boundaries of a stream (stdin path)', async () => {
    // ~3 MB through pieces of random sizes: records straddle both pieces and the 1 MiB buffer.
    const frames = makeFrames(4000, 11, { maxLen: 1500, nano: true });
    const bytes = pcapFile(frames, { le: false, nano: true });
    const pieces: Buffer[] = [];
    for (let at = 0, k = 0; at < bytes.length; k++) {
      const size = [1, 7, 65536, 333_333, 1500][k % 5];
      pieces.push(bytes.subarray(at, at + size));
      at += size;
    }
    const source = await openStreamSource(Readable.from(pieces), 'test stream');
    const { frames: got, error } = await readAll(source);
    expect(error).toBeNull();
    expect(sameFrames(got, frames)).toBe('same');
  });

  it('reads a file larger than one 8 MiB chunk', async () => {
    const frames = makeFrames(6500, 5, { maxLen: 1600 });
    for (const f of frames) f.wireLen = f.data.length;
    const bytes = pcapFile(frames, { le: true, nano: false });
    expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024 / 2);
    const big = Buffer.concat([bytes, bytes.subarray(24), bytes.subarray(24)]);
    expect(big.length).toBeGreaterThan(8 * 1024 * 1024);
    const { frames: got, error, batches } = await readAll(await openFileSource(file(big)));
    expect(error).toBeNull();
    expect(got.length).toBe(3 * frames.length);
    expect(sameFrames(got.slice(2 * frames.length), frames)).toBe('same');
    expect(batches).toBeGreaterThan(3);
  });

  it('rejects a version other than 2.x with the offset of the version', async () => {
    const bytes = pcapFile(makeFrames(1), { le: true, nano: false });
    bytes.writeUInt16LE(3, 4);
    const err = await openFileSource(file(bytes)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as FileFormatError).offset).toBe(4);
  });
});
