import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileSource } from '../../src/capture/file-source.js';
import { LinkType } from '../../src/capture/frame.js';
import { RingFileWriter, RingSpecError, parseRingSpec, ringFilePath } from '../../src/output/ring-writer.js';
import { batchOf, makeFrames, readAll, sameFrames, tempDir } from '../capture/file-fixtures.js';

describe('parseRingSpec', () => {
  it('reads prefix, count and size with k/m/g suffixes', () => {
    expect(parseRingSpec('cap:10:100m')).toEqual({ prefix: 'cap', count: 10, size: 100 * 1024 * 1024 });
    expect(parseRingSpec('/tmp/a:b:1:512')).toEqual({ prefix: '/tmp/a:b', count: 1, size: 512 });
    expect(parseRingSpec('x:100:2K')).toEqual({ prefix: 'x', count: 100, size: 2048 });
    expect(parseRingSpec('x:3:1g').size).toBe(1024 ** 3);
  });

  it('explains what is wrong with a bad spec', () => {
    expect(() => parseRingSpec('cap:10')).toThrow(RingSpecError);
    expect(() => parseRingSpec('cap:10')).toThrow(/expected prefix:count:size/);
    expect(() => parseRingSpec(':10:1m')).toThrow(/expected prefix:count:size/);
    expect(() => parseRingSpec('cap:0:1m')).toThrow(/count must be 1 to 100, not 0/);
    expect(() => parseRingSpec('cap:101:1m')).toThrow(/count must be 1 to 100/);
    expect(() => parseRingSpec('cap:3:0')).toThrow(/size must be at least 1 byte/);
    expect(() => parseRingSpec('cap:3:10t')).toThrow(/expected prefix:count:size/);
  });
});

describe('RingFileWriter', () => {
  it('moves to the next file past the size, wraps, and restarts a reused file from its header', async () => {
    const prefix = join(tempDir(), 'ring');
    const links = [{ name: 'eth0', linkType: LinkType.ETHERNET, snaplen: 65535 }];
    const ring = new RingFileWriter(`${prefix}:3:1k`, { links, format: 'snoop' });
    expect(ring.currentPath).toBe(`${prefix}-00.snoop`);
    const frames = makeFrames(100, 31, { maxLen: 120 });
    const batch = batchOf(frames);
    const fileOf: string[] = [];
    for (let i = 0; i < batch.count; i++) {
      ring.write(batch, i);
      fileOf.push(ring.currentPath);
    }
    ring.close([{ received: 100, dropped: 0 }]);
    expect(ring.packetsWritten).toBe(100);
    expect(existsSync(ringFilePath(prefix, 3, 'snoop'))).toBe(false);
    // Every file holds exactly the frames last written to it, and starts with a fresh header.
    const seen = new Set(fileOf);
    expect(seen).toEqual(new Set([0, 1, 2].map((i) => ringFilePath(prefix, i, 'snoop'))));
    for (const path of seen) {
      const last = fileOf.lastIndexOf(path);
      let first = last;
      while (first > 0 && fileOf[first - 1] === path) first--;
      const back = await readAll(await openFileSource(path));
      expect(back.error).toBeNull();
      expect(sameFrames(back.frames, frames.slice(first, last + 1).map((f) => ({ ...f, nsec: Math.floor(f.nsec / 1000) * 1000 })))).toBe('same');
      // About `size` bytes: the limit is checked before each frame, so a file passes it by less than one record.
      expect(readFileSync(path).length).toBeLessThan(1024 + 24 + 124);
    }
    // 100 frames of ~85 bytes cannot fit in three 1 KiB files: the ring wrapped.
    expect(fileOf.indexOf(ringFilePath(prefix, 0, 'snoop'), fileOf.indexOf(ringFilePath(prefix, 2, 'snoop')))).toBeGreaterThan(0);
  });

  it('defaults to pcap and names files with the format extension', () => {
    const prefix = join(tempDir(), 'r');
    const ring = new RingFileWriter({ prefix, count: 2, size: 100 }, { links: [{ name: 'e', linkType: 1, snaplen: 0 }] });
    const batch = batchOf(makeFrames(3, 1));
    for (let i = 0; i < 3; i++) ring.write(batch, i);
    ring.close();
    expect(readFileSync(`${prefix}-00.pcap`).readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(existsSync(`${prefix}-01.pcap`)).toBe(true);
  });
});
