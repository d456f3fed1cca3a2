#!/usr/bin/env node
// The JavaScript side of live capture to a pcap file, without the kernel: a ring in anonymous
// memory laid out as TPACKET_V3 blocks of 64-byte frames, read by the real PacketRing and written
// by the real pcap writer with gathered writes to /dev/null (or FILE). Each block is handed back
// "retired" as soon as it is released, so the loop never waits. Prints user and system CPU per
// frame after a warm-up; this machine's spells move single runs by up to 50%, so compare builds
// with several interleaved runs (ROOT picks the build).
//   node test/bench/ring.mjs [FILE] [frames]         (default /dev/null and 8,000,000)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const c = await import(join(root, 'dist/dlpi/libc.js'));
const { PacketRing } = await import(join(root, 'dist/dlpi/ring.js'));
const { allocBatch } = await import(join(root, 'dist/capture/frame.js'));
const { OutputFile } = await import(join(root, 'dist/output/output-file.js'));
const { nativeGather } = await import(join(root, 'dist/output/native-gather.js'));
const { PcapWriter } = await import(join(root, 'dist/output/pcap-writer.js'));

const path = process.argv[2] ?? '/dev/null';
const frames = Number(process.argv[3] ?? 8_000_000);
const WARM_UP = 2_000_000;

const geometry = { blockSize: 1 << 20, blockCount: 4, frameSize: 2048, retireTimeoutMs: 50 };
const size = geometry.blockSize * geometry.blockCount;
const addr = c.mmap(null, size, c.PROT_READ | c.PROT_WRITE, c.MAP_PRIVATE | c.MAP_ANONYMOUS, -1, 0);
// The constructor is private to TypeScript only: the bench wraps memory of its own.
const ring = new PacketRing(addr, geometry);
const u32 = new Uint32Array(ring.bytes.buffer);
const u16 = new Uint16Array(ring.bytes.buffer);
const status = new Int32Array(ring.bytes.buffer);

// Where the kernel puts things for a 64-byte frame with dlsnoop's PACKET_RESERVE of 20: the
// tpacket3_hdr at the slot's start, the frame at TPACKET_ALIGN(68 + 16) + 20 - 14 = 102, and the
// next slot at TPACKET_ALIGN(102 + 64) = 176.
const SLOT = 176;
const MAC = 102;
const CAPLEN = 64;
const FIRST = 48;
const perBlock = Math.floor((geometry.blockSize - FIRST) / SLOT);
for (let b = 0; b < geometry.blockCount; b++) {
  const base = b * geometry.blockSize;
  u32[(base + 12) >> 2] = perBlock;
  u32[(base + 16) >> 2] = FIRST;
  for (let i = 0; i < perBlock; i++) {
    const h = base + FIRST + i * SLOT;
    u32[h >> 2] = i + 1 < perBlock ? SLOT : 0;
    u32[(h + 4) >> 2] = 1_700_000_000;
    u32[(h + 8) >> 2] = i * 1000 + 123;
    u32[(h + 12) >> 2] = CAPLEN;
    u32[(h + 16) >> 2] = CAPLEN;
    u32[(h + 20) >> 2] = 1;
    u16[(h + 24) >> 1] = MAC;
  }
  Atomics.store(status, (base + 8) >> 2, 1);
}

const writer = new PcapWriter(new OutputFile(path, nativeGather), { links: [{ name: 'ring0', linkType: 1, snaplen: 262144 }] });
const batch = allocBatch(geometry.blockSize / 64);
const acceptAll = { acceptsAll: () => true, accept: () => true };
let done = 0;
let start = null;
let block = 0;
while (done < frames + WARM_UP) {
  if (start === null && done >= WARM_UP) start = process.cpuUsage();
  batch.count = 0;
  const used = ring.fill(batch, 0, acceptAll, 262144);
  writer.writeBatch(batch, 0, batch.count);
  writer.endBatch();
  done += batch.count;
  if (used) {
    ring.release();
    Atomics.store(status, (block * geometry.blockSize + 8) >> 2, 1);
    block = (block + 1) % geometry.blockCount;
  }
}
const cpu = process.cpuUsage(start);
writer.close();
const counted = done - WARM_UP;
console.log(`${counted} frames: user ${((cpu.user * 1000) / counted).toFixed(1)} ns/frame, system ${((cpu.system * 1000) / counted).toFixed(1)} ns/frame`);
