import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openFileSource, openStreamSource } from '../../src/capture/file-source.js';
import { Direction, LinkType, PacketType } from '../../src/capture/frame.js';
import {
  Bytes,
  block,
  bytesOption,
  concat,
  epb,
  idb,
  isb,
  makeFrames,
  nrb,
  readAll,
  sameFrames,
  shb,
  spb,
  tempDir,
  textOption,
} from './file-fixtures.js';

const dir = tempDir();
let n = 0;
function file(bytes: Uint8Array): string {
  const path = join(dir, `t${n++}.pcapng`);
  writeFileSync(path, bytes);
  return path;
}

const tsresol = (le: boolean, v: number) => bytesOption(le, 9, (b) => b.u8(v));
const flags = (le: boolean, v: number) => bytesOption(le, 2, (b) => b.u32(v));
const bytes = (...v: number[]) => Uint8Array.from(v);

/** What a timestamp of `units` at resolution `resol` (+ offset seconds) is, by BigInt arithmetic. */
function expectedTime(units: bigint, resol: number, offset = 0): { sec: number; nsec: number } {
  const perSecond = resol & 0x80 ? 1n << BigInt(resol & 0x7f) : 10n ** BigInt(resol);
  return { sec: Number(units / perSecond) + offset, nsec: Number(((units % perSecond) * 1_000_000_000n) / perSecond) };
}

/** Bytes in each comment withComments adds: option lengths are 16-bit, so long blocks carry many. */
const COMMENT_BYTES = 60_000;

/**
 * Little-endian `block` (with no options) with `count` comment options added, built by Buffer
 * copies: the byte-by-byte Bytes helper would take seconds for the megabytes these carry.
 */
function withComments(block: Uint8Array, count: number): Buffer {
  const comment = Buffer.alloc(4 + COMMENT_BYTES, 0x63);
  comment.writeUInt16LE(1, 0);
  comment.writeUInt16LE(COMMENT_BYTES, 2);
  const body = Buffer.from(block.buffer, block.byteOffset + 8, block.length - 12);
  const length = 12 + body.length + count * comment.length + 4;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(6, 0);
  head.writeUInt32LE(length, 4);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(length, 4);
  return Buffer.concat([head, body, ...Array<Buffer>(count).fill(comment), tail]);
}

describe('pcapng reader', () => {
  it('reads two sections of opposite byte order with three interfaces, skipping NRB and unknown blocks', async () => {
    const nsNow = 1_700_000_123_456_789_012n; // > 2^53: doubles alone would lose the last digits
    const s1 = [
      shb(true, [textOption(1, 'a section comment'), textOption(4, 'handmade')]),
      nrb(true),
      idb(true, LinkType.ETHERNET, 65535, [textOption(2, 'eth0'), tsresol(true, 9), textOption(1, 'if comment')]),
      block(true, 0x00000bad, bytes(1, 2, 3, 4, 5)),
      idb(true, LinkType.LINUX_SLL, 0, [bytesOption(true, 14, (b) => b.u64(100n))]),
      epb(true, 0, nsNow, bytes(1, 2, 3), 60, [flags(true, 1 | (2 << 2) | (1 << 24)), textOption(1, 'IPMP: probe'), textOption(1, 'second')]),
      epb(true, 1, 1_600_000_000_654_321n, bytes(9, 8, 7, 6, 5), 5, [flags(true, 2)]),
      block(true, 0x80000001, bytes(0xff)),
      isb(true, 0, 1000n, 5n),
    ];
    const s2 = [
      shb(false),
      idb(false, LinkType.ETHERNET, 4, [textOption(2, 'ipmp0'), tsresol(false, 0x80 | 20)]),
      spb(false, bytes(1, 2, 3, 4), 70),
      epb(false, 0, (1_650_000_000n << 20n) | 12345n, bytes(4, 4), 2),
      // The obsolete Packet Block: 16-bit interface id and drop count, then the EPB layout.
      block(false, 2, new Bytes(false).u16(0).u16(3).ts(7n << 20n).u32(1).u32(1).raw([0xee]).pad4().done()),
      isb(false, 0, 0x1_0000_0003n, 3n),
    ];
    const source = await openFileSource(file(concat([...s1, ...s2])));
    // The first section's interfaces are known before the first batch.
    expect(source.links.map((l) => l.name)).toEqual(['eth0', 'if1']);
    const { frames, links, error } = await readAll(source);
    expect(error).toBeNull();
    expect(links).toEqual([
      { name: 'eth0', linkType: LinkType.ETHERNET, snaplen: 65535 },
      { name: 'if1', linkType: LinkType.LINUX_SLL, snaplen: 0 },
      { name: 'ipmp0', linkType: LinkType.ETHERNET, snaplen: 4 },
    ]);
    const t0 = expectedTime(nsNow, 9);
    const t1 = expectedTime(1_600_000_000_654_321n, 6, 100);
    const t3 = expectedTime((1_650_000_000n << 20n) | 12345n, 0x80 | 20);
    expect(frames).toEqual([
      { data: bytes(1, 2, 3), wireLen: 60, ...t0, link: 0, direction: Direction.IN, pktType: PacketType.MULTICAST, drops: 0 },
      { data: bytes(9, 8, 7, 6, 5), wireLen: 5, ...t1, link: 1, direction: Direction.OUT, pktType: PacketType.OUTGOING, drops: 0 },
      { data: bytes(1, 2, 3, 4), wireLen: 70, sec: 0, nsec: 0, link: 2, direction: Direction.UNKNOWN, pktType: 255, drops: 0 },
      { data: bytes(4, 4), wireLen: 2, ...t3, link: 2, direction: Direction.UNKNOWN, pktType: 255, drops: 0 },
      { data: bytes(0xee), wireLen: 1, sec: 7, nsec: 0, link: 2, direction: Direction.UNKNOWN, pktType: 255, drops: 0 },
    ]);
    expect(t0).toEqual({ sec: 1_700_000_123, nsec: 456_789_012 });
    expect(source.stats()).toEqual([
      { received: 1000, dropped: 5 },
      { received: 1, dropped: 0 },
      { received: 0x1_0000_0003, dropped: 3 },
    ]);
  });

  const resolutions = [0, 3, 6, 9, 12, 0x80, 0x80 | 10, 0x80 | 20, 0x80 | 30, 0x80 | 32, 0x80 | 40];
  for (const resol of resolutions) {
    it(`converts if_tsresol ${resol & 0x80 ? `2^-${resol & 0x7f}` : `10^-${resol}`} timestamps exactly`, async () => {
      const perSecond = resol & 0x80 ? 1n << BigInt(resol & 0x7f) : 10n ** BigInt(resol);
      const values = [0n, 1n, perSecond - 1n, perSecond, 1_700_000_000n * perSecond + perSecond / 3n, 0xffffffffn, 0x1fffffffffn];
      for (let i = 0; i < 40; i++) values.push((BigInt(i * 2654435761) * 0x9e3779b97n + BigInt(i)) % (4_000_000_000n * perSecond));
      const blocks = [shb(true), idb(true, 1, 0, [tsresol(true, resol), bytesOption(true, 14, (b) => b.u64(BigInt.asUintN(64, -5n)))])];
      // Fine resolutions cannot count to today in 64 bits; the file holds what fits.
      for (let i = 0; i < values.length; i++) values[i] = BigInt.asUintN(64, values[i]);
      for (const v of values) blocks.push(epb(true, 0, v, bytes(1), 1));
      const { frames, error } = await readAll(await openFileSource(file(concat(blocks))));
      expect(error).toBeNull();
      expect(frames.map((f) => ({ sec: f.sec, nsec: f.nsec }))).toEqual(values.map((v) => expectedTime(v, resol, -5)));
    });
  }

  it('reads blocks that straddle pieces of a stream', async () => {
    const frames = makeFrames(3000, 4, { nano: true, maxLen: 700, links: 2 });
    const blocks = [shb(true), idb(true, 1, 0, [textOption(2, 'a'), tsresol(true, 9)]), idb(true, 1, 0, [textOption(2, 'b'), tsresol(true, 9)])];
    for (const f of frames) blocks.push(epb(true, f.link, BigInt(f.sec) * 1_000_000_000n + BigInt(f.nsec), f.data, f.wireLen, [textOption(1, 'x')]));
    const whole = concat(blocks);
    const pieces: Buffer[] = [];
    for (let at = 0, k = 0; at < whole.length; k++) {
      const size = [3, 100_000, 17, 1_048_576, 9][k % 5];
      pieces.push(whole.subarray(at, at + size));
      at += size;
    }
    const { frames: got, error, links } = await readAll(await openStreamSource(Readable.from(pieces), 'test'));
    expect(error).toBeNull();
    expect(links.map((l) => l.name)).toEqual(['a', 'b']);
    expect(sameFrames(got, frames)).toBe('same');
  });

  it('reads a file of several chunks whole: small records, and blocks longer than the read-ahead room or a chunk, across boundaries', async () => {
    // The first read is 256 KiB, later chunks 8 MiB, and a read-ahead leaves 1 MiB in front for
    // the record cut by a chunk's end. Long blocks every few hundred kB (comments of 0.6 to 1.9 MiB, and once 9 MiB, more than
    // a chunk) put records of every length across the boundaries, so the reader swaps, joins and
    // once grows its buffers.
    const frames = makeFrames(2000, 9, { nano: true, maxLen: 1500 });
    const blocks = [shb(true), idb(true, 1, 0, [textOption(2, 'big'), tsresol(true, 9)])];
    const longSizes = [1_300_000, 1_900_000, 600_000];
    for (const [i, f] of frames.entries()) {
      const long = i === 1000 ? 9 * 1024 * 1024 : i % 100 === 50 ? longSizes[(i / 100) % 3 | 0] : 0;
      const plain = epb(true, 0, BigInt(f.sec) * 1_000_000_000n + BigInt(f.nsec), f.data, f.wireLen);
      blocks.push(long ? withComments(plain, Math.ceil(long / COMMENT_BYTES)) : plain);
    }
    const whole = concat(blocks);
    expect(whole.length).toBeGreaterThan(3 * 8 * 1024 * 1024);
    const { frames: got, error } = await readAll(await openFileSource(file(whole)));
    expect(error).toBeNull();
    expect(sameFrames(got, frames)).toBe('same');
  });
});
