// Damaged files: every good frame before the damage comes out first, then one FileFormatError
// naming where the damage starts. A seeded mutation fuzz checks no other exception escapes.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../../src/capture/file-format-error.js';
import { openFileSource, openStreamSource } from '../../src/capture/file-source.js';
import { concat, epb, idb, isb, makeFrames, pcapFile, prng, readAll, sameFrames, shb, snoopFile, spb, tempDir, textOption } from './file-fixtures.js';
import type { ReadResult } from './file-fixtures.js';

const dir = tempDir();
let n = 0;
function file(bytes: Uint8Array): string {
  const path = join(dir, `t${n++}`);
  writeFileSync(path, bytes);
  return path;
}

async function read(bytes: Uint8Array): Promise<ReadResult> {
  try {
    return await readAll(await openFileSource(file(bytes)));
  } catch (err) {
    return { frames: [], links: [], error: err, batches: 0 };
  }
}

async function readStream(pieces: Buffer[]): Promise<ReadResult> {
  try {
    return await readAll(await openStreamSource(Readable.from(pieces), 'fuzz'));
  } catch (err) {
    return { frames: [], links: [], error: err, batches: 0 };
  }
}

function formatError(result: ReadResult): FileFormatError {
  expect(result.error).toBeInstanceOf(FileFormatError);
  return result.error as FileFormatError;
}

const frames = makeFrames(10, 21);
/** Offsets of each pcap record: 24-byte header, 16-byte record headers. */
const pcapOffsets: number[] = [];
for (let i = 0, at = 24; i < frames.length; at += 16 + frames[i].data.length, i++) pcapOffsets.push(at);
function ngFile(): { bytes: Buffer; offsets: number[] } {
  const head = [shb(true), idb(true, 1, 0, [textOption(2, 'eth0'), { code: 9, value: Uint8Array.of(9) }])];
  const packets = frames.map((f) => epb(true, 0, BigInt(f.sec) * 1_000_000_000n + BigInt(f.nsec), f.data, f.wireLen));
  let at = head.reduce((s, b) => s + b.length, 0);
  const offsets = packets.map((p) => ((at += p.length), at - p.length));
  return { bytes: concat([...head, ...packets]), offsets };
}

describe('damaged capture files', () => {
  it('names unknown magic at byte 0', async () => {
    const err = formatError(await read(Buffer.from('GIF89a....................')));
    expect(err.offset).toBe(0);
    expect(err.message).toContain('47 49 46 38');
  });

  it('reports empty files and truncated headers', async () => {
    expect(formatError(await read(new Uint8Array(0))).offset).toBe(0);
    const pcap = pcapFile(frames, { le: true, nano: false });
    for (const cut of [2, 10, 23]) {
      const err = formatError(await read(pcap.subarray(0, cut)));
      expect(err.offset).toBe(0);
    }
    expect(formatError(await read(snoopFile(frames).subarray(0, 12))).message).toMatch(/truncated snoop file header at byte 0/);
    expect(formatError(await read(ngFile().bytes.subarray(0, 20))).message).toMatch(/truncated pcapng section header block at byte 0/);
  });

  it('pcap: delivers records before a truncated record, then names its offset', async () => {
    const pcap = pcapFile(frames, { le: false, nano: true });
    for (const cut of [pcapOffsets[6] + 3, pcapOffsets[6] + 16 + 1]) {
      const result = await read(pcap.subarray(0, cut));
      expect(sameFrames(result.frames, frames.slice(0, 6).map((f) => ({ ...f, nsec: f.nsec })))).toBe('same');
      const err = formatError(result);
      expect(err.offset).toBe(pcapOffsets[6]);
      expect(err.message).toMatch(new RegExp(`^truncated pcap record at byte ${pcapOffsets[6]}`));
    }
  });

  it('pcap: caplen beyond 256 KiB is corruption at that record', async () => {
    const caplens = frames.map((f) => f.data.length);
    caplens[4] = 262145;
    const result = await read(pcapFile(frames, { le: true, nano: false, caplens }));
    expect(result.frames.length).toBe(4);
    const err = formatError(result);
    expect(err.offset).toBe(pcapOffsets[4]);
    expect(err.message).toBe(`corrupt pcap record at byte ${pcapOffsets[4]}: caplen 262145 exceeds the 262144-byte maximum`);
  });

  it('pcapng: bad block length, mismatched trailer and truncation stop at the block', async () => {
    const { bytes, offsets } = ngFile();
    const odd = Buffer.from(bytes);
    odd.writeUInt32LE(33, offsets[3] + 4);
    const a = await read(odd);
    expect(a.frames.length).toBe(3);
    expect(formatError(a).offset).toBe(offsets[3]);
    expect(formatError(a).message).toMatch(/block length 33/);

    const huge = Buffer.from(bytes);
    huge.writeUInt32LE(0x7ffffff0, offsets[5] + 4);
    const b = await read(huge);
    expect(b.frames.length).toBe(5);
    expect(formatError(b).offset).toBe(offsets[5]);

    const trailer = Buffer.from(bytes);
    trailer.writeUInt32LE(12, offsets[8] - 4);
    const c = await read(trailer);
    expect(c.frames.length).toBe(7);
    expect(formatError(c).offset).toBe(offsets[7]);
    expect(formatError(c).message).toMatch(/trailing length 12/);

    const d = await read(bytes.subarray(0, offsets[9] + 20));
    expect(d.frames.length).toBe(9);
    expect(formatError(d).message).toBe(`truncated pcapng block at byte ${offsets[9]}: needs ${bytes.length - offsets[9]} bytes, the file ends after 20`);
  });

  it('pcapng: packets for undescribed interfaces and oversized caplens are corruption', async () => {
    const blocks = [shb(true), idb(true, 1, 0), epb(true, 0, 1n, Uint8Array.of(1), 1), epb(true, 1, 1n, Uint8Array.of(1), 1)];
    const a = await read(concat(blocks));
    expect(a.frames.length).toBe(1);
    expect(formatError(a).message).toMatch(/interface id 1 has no interface description/);
    const big = Buffer.from(concat(blocks.slice(0, 3)));
    big.writeUInt32LE(9, big.length - 36 + 20);
    expect(formatError(await read(big)).message).toMatch(/caplen 9 does not fit/);
    expect(formatError(await read(concat([shb(true), spb(true, Uint8Array.of(1), 1)]))).message).toMatch(/no interface/);
    expect(formatError(await read(concat([shb(true), isb(true, 0, 1n, 1n)]))).message).toMatch(/interface id 0/);
  });

  it('snoop: a record length shorter than its data is corruption', async () => {
    const bytes = snoopFile(frames);
    let at = 16;
    for (let i = 0; i < 3; i++) at += bytes.readUInt32BE(at + 8);
    bytes.writeUInt32BE(24, at + 8);
    const result = await read(bytes);
    expect(result.frames.length).toBe(3);
    expect(formatError(result).offset).toBe(at);
  });

  it('fuzz: 24 000 mutated files raise nothing but FileFormatError', async () => {
    const small = makeFrames(6, 33, { maxLen: 40 });
    const seeds = [
      pcapFile(small, { le: true, nano: false }),
      pcapFile(small, { le: false, nano: true }),
      snoopFile(small),
      concat([
        shb(true, [textOption(1, 'c')]),
        idb(true, 1, 0, [textOption(2, 'eth0'), { code: 9, value: Uint8Array.of(0x80 | 20) }]),
        ...small.slice(0, 3).map((f) => epb(true, 0, BigInt(f.sec) << 20n, f.data, f.wireLen, [{ code: 2, value: Uint8Array.of(1, 0, 0, 0) }])),
        spb(true, small[3].data, small[3].wireLen),
        isb(true, 0, 10n, 2n),
        shb(false),
        idb(false, 113, 64),
        ...small.slice(3).map((f) => epb(false, 0, BigInt(f.sec) * 1_000_000n, f.data, f.wireLen)),
      ]),
    ];
    const rand = prng(20240601);
    let mutated = 0;
    let clean = 0;
    const unexpected: string[] = [];
    for (let round = 0; round < 6000; round++) {
      for (const seed of seeds) {
        const bytes = Buffer.from(seed);
        const kind = rand();
        if (kind < 0.6) {
          // Flip a few random bytes, biased towards the headers where lengths live.
          const flips = 1 + Math.floor(rand() * 4);
          for (let f = 0; f < flips; f++) {
            const at = rand() < 0.5 ? Math.floor(rand() * Math.min(64, bytes.length)) : Math.floor(rand() * bytes.length);
            bytes[at] = Math.floor(rand() * 256);
          }
        } else if (kind < 0.85) {
          // Overwrite a 32-bit word with an extreme value.
          const at = Math.floor(rand() * (bytes.length - 4));
          const extremes = [0, 1, 3, 0xffffffff, 0x7fffffff, 0x80000000, 12, 16, 0x0a0d0d0a];
          bytes.writeUInt32LE(extremes[Math.floor(rand() * extremes.length)], at);
        }
        const cut = kind >= 0.85 ? Math.floor(rand() * bytes.length) : bytes.length;
        mutated++;
        // Through the stream path (no file system round trips), in two pieces so that records
        // also straddle the pieces.
        const split = Math.floor(rand() * cut);
        const result = await readStream([bytes.subarray(0, split), bytes.subarray(split, cut)]);
        if (result.error === null) clean++;
        else if (!(result.error instanceof FileFormatError)) unexpected.push(String((result.error as Error)?.stack ?? result.error));
        else if (!(result.error.offset >= 0 && result.error.offset <= cut)) unexpected.push(`offset ${result.error.offset} outside 0..${cut}`);
      }
    }
    expect(unexpected.slice(0, 3)).toEqual([]);
    expect(mutated).toBe(24000);
    // Some mutations land in packet bytes and leave the file valid; most do not.
    expect(clean).toBeGreaterThan(100);
    expect(clean).toBeLessThan(mutated);
  });
});
