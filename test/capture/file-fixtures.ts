// Hand-built capture files and batches for the file-layer tests. The builders here are written
// straight from the format descriptions, independently of src/output, so reader and writer
// tests check each other.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocBatch } from '../../src/capture/frame.js';
import type { CaptureSource, FrameBatch, LinkDesc } from '../../src/capture/frame.js';

export interface TestFrame {
  data: Uint8Array;
  wireLen: number;
  sec: number;
  nsec: number;
  link: number;
  direction: number;
  pktType: number;
  drops: number;
}

/** Deterministic PRNG (mulberry32) so every run builds the same frames and mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` frames of assorted sizes (including odd ones, to exercise padding) and distinct times. */
export function makeFrames(count: number, seed = 1, opts: { links?: number; nano?: boolean; maxLen?: number } = {}): TestFrame[] {
  const rand = prng(seed);
  const frames: TestFrame[] = [];
  const maxLen = opts.maxLen ?? 200;
  for (let i = 0; i < count; i++) {
    const len = 1 + Math.floor(rand() * maxLen);
    const data = new Uint8Array(len);
    for (let j = 0; j < len; j++) data[j] = Math.floor(rand() * 256);
    const usec = Math.floor(rand() * 1e6);
    frames.push({
      data,
      wireLen: len + (i % 3 === 0 ? Math.floor(rand() * 100) : 0),
      sec: 1_700_000_000 + i * 7,
      nsec: opts.nano ? usec * 1000 + Math.floor(rand() * 1000) : usec * 1000,
      link: opts.links ? i % opts.links : 0,
      direction: 0,
      pktType: 255,
      drops: 0,
    });
  }
  return frames;
}

/** One batch holding `frames`, laid out back to back in one buffer (with a gap, so offsets matter). */
export function batchOf(frames: readonly TestFrame[]): FrameBatch {
  const batch = allocBatch(Math.max(1, frames.length));
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.data.length + 5, 0));
  let off = 0;
  frames.forEach((f, i) => {
    off += 5;
    bytes.set(f.data, off);
    batch.offset[i] = off;
    batch.capLen[i] = f.data.length;
    batch.wireLen[i] = f.wireLen;
    batch.tsSec[i] = f.sec;
    batch.tsNsec[i] = f.nsec;
    batch.link[i] = f.link;
    batch.direction[i] = f.direction;
    batch.pktType[i] = f.pktType;
    batch.drops[i] = f.drops;
    off += f.data.length;
  });
  batch.bytes = bytes;
  batch.count = frames.length;
  return batch;
}

export interface ReadResult {
  frames: TestFrame[];
  links: LinkDesc[];
  error: unknown;
  batches: number;
}

/** Drain a source, copying every frame out of its batch, and catch whatever ends it. */
export async function readAll(source: CaptureSource): Promise<ReadResult> {
  const frames: TestFrame[] = [];
  let error: unknown = null;
  let batches = 0;
  try {
    for await (const b of source.batches()) {
      batches++;
      for (let i = 0; i < b.count; i++) {
        frames.push({
          data: Uint8Array.from(b.bytes.subarray(b.offset[i], b.offset[i] + b.capLen[i])),
          wireLen: b.wireLen[i],
          sec: b.tsSec[i],
          nsec: b.tsNsec[i],
          link: b.link[i],
          direction: b.direction[i],
          pktType: b.pktType[i],
          drops: b.drops[i],
        });
      }
    }
  } catch (err) {
    error = err;
  } finally {
    await source.close();
  }
  return { frames, links: source.links.map((l) => ({ ...l })), error, batches };
}

/** Compare frame lists without handing vitest megabytes to diff: the first mismatch is named. */
export function sameFrames(got: readonly TestFrame[], want: readonly TestFrame[]): string {
  if (got.length !== want.length) return `${got.length} frames, expected ${want.length}`;
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const w = want[i];
    for (const key of ['wireLen', 'sec', 'nsec', 'link', 'direction', 'pktType', 'drops'] as const) {
      if (g[key] !== w[key]) return `frame ${i}: ${key} ${g[key]}, expected ${w[key]}`;
    }
    if (!Buffer.from(g.data).equals(Buffer.from(w.data))) return `frame ${i}: bytes differ`;
  }
  return 'same';
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dlsnoop-file-'));
}

/** Little helper for writing integers in either byte order. */
export class Bytes {
  private parts: number[] = [];
  constructor(private readonly le: boolean) {}
  u8(v: number): this {
    this.parts.push(v & 255);
    return this;
  }
  u16(v: number): this {
    const b = [(v >>> 8) & 255, v & 255];
    this.parts.push(...(this.le ? b.reverse() : b));
    return this;
  }
  u32(v: number): this {
    const b = [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
    this.parts.push(...(this.le ? b.reverse() : b));
    return this;
  }
  /** 64-bit value given as a BigInt (so tests can state exact large counts). */
  u64(v: bigint): this {
    const hi = Number((v >> 32n) & 0xffffffffn);
    const lo = Number(v & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  /** pcapng timestamp: the high 32-bit word first, each word in the section's order. */
  ts(units: bigint): this {
    return this.u32(Number((units >> 32n) & 0xffffffffn)).u32(Number(units & 0xffffffffn));
  }
  raw(data: Uint8Array | readonly number[]): this {
    for (const v of data) this.parts.push(v);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function concat(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

// ---- pcap ----

export function pcapFile(
  frames: readonly TestFrame[],
  opts: { le: boolean; nano: boolean; snaplen?: number; linkType?: number; caplens?: number[] },
): Buffer {
  const head = new Bytes(opts.le)
    .u32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(2)
    .u16(4)
    .u32(0)
    .u32(0)
    .u32(opts.snaplen ?? 65535)
    .u32(opts.linkType ?? 1)
    .done();
  const records = frames.map((f, i) =>
    new Bytes(opts.le)
      .u32(f.sec)
      .u32(opts.nano ? f.nsec : Math.floor(f.nsec / 1000))
      .u32(opts.caplens?.[i] ?? f.data.length)
      .u32(f.wireLen)
      .raw(f.data)
      .done(),
  );
  return concat([head, ...records]);
}

// ---- snoop (always big-endian) ----

export function snoopFile(frames: readonly TestFrame[], opts: { datalink?: number; extraPad?: number } = {}): Buffer {
  const head = new Bytes(false).raw([...Buffer.from('snoop\0\0\0', 'latin1')]).u32(2).u32(opts.datalink ?? 4).done();
  const records = frames.map((f) => {
    const pad = ((4 - (f.data.length % 4)) % 4) + (opts.extraPad ?? 0);
    return new Bytes(false)
      .u32(f.wireLen)
      .u32(f.data.length)
      .u32(24 + f.data.length + pad)
      .u32(f.drops)
      .u32(f.sec)
      .u32(Math.floor(f.nsec / 1000))
      .raw(f.data)
      .raw(new Array<number>(pad).fill(0))
      .done();
  });
  return concat([head, ...records]);
}

// ---- pcapng ----

export interface Option {
  code: number;
  value: Uint8Array;
}

export function textOption(code: number, text: string): Option {
  return { code, value: new Uint8Array(Buffer.from(text, 'utf8')) };
}

export function bytesOption(le: boolean, code: number, build: (b: Bytes) => Bytes): Option {
  return { code, value: build(new Bytes(le)).done() };
}

function options(le: boolean, opts: readonly Option[]): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const b = new Bytes(le);
  for (const o of opts) b.u16(o.code).u16(o.value.length).raw(o.value).pad4();
  return b.u16(0).u16(0).done();
}

export function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const padded = new Bytes(le).raw(body).pad4().done();
  const length = 12 + padded.length;
  return new Bytes(le).u32(type).u32(length).raw(padded).u32(length).done();
}

export function shb(le: boolean, opts: readonly Option[] = []): Uint8Array {
  const body = new Bytes(le).u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff).raw(options(le, opts)).done();
  return block(le, 0x0a0d0d0a, body);
}

export function idb(le: boolean, linkType: number, snaplen: number, opts: readonly Option[] = []): Uint8Array {
  return block(le, 1, new Bytes(le).u16(linkType).u16(0).u32(snaplen).raw(options(le, opts)).done());
}

/** EPB whose timestamp is `units` (a 64-bit count of the interface's units). */
export function epb(le: boolean, ifid: number, units: bigint, data: Uint8Array, wireLen: number, opts: readonly Option[] = []): Uint8Array {
  const body = new Bytes(le).u32(ifid).ts(units).u32(data.length).u32(wireLen).raw(data).pad4().raw(options(le, opts)).done();
  return block(le, 6, body);
}

export function spb(le: boolean, data: Uint8Array, wireLen: number): Uint8Array {
  return block(le, 3, new Bytes(le).u32(wireLen).raw(data).done());
}

export function isb(le: boolean, ifid: number, received: bigint, dropped: bigint): Uint8Array {
  const body = new Bytes(le)
    .u32(ifid)
    .ts(0n)
    .raw(options(le, [bytesOption(le, 4, (b) => b.u64(received)), bytesOption(le, 5, (b) => b.u64(dropped))]))
    .done();
  return block(le, 5, body);
}

export function nrb(le: boolean): Uint8Array {
  const name = Buffer.from('host.example\0', 'latin1');
  const body = new Bytes(le).u16(1).u16(4 + name.length).raw([192, 0, 2, 1]).raw([...name]).pad4().u16(0).u16(0).done();
  return block(le, 4, body);
}
