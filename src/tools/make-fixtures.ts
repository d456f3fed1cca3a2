// `npm run fixtures`: rebuild the synthetic fixture files from the frame corpus. The same
// frames are written in every format we read, so tests can check the readers agree.
//   fixtures/corpus.pcap     µs pcap, little-endian, one frame per corpus case, 1 ms apart
//   fixtures/corpus.pcapng   the same frames, ns timestamps, interface `net0`
//   fixtures/corpus.snoop    the same frames as an RFC 1761 snoop file
// fixtures/ipmp-demo.pcapng is a real capture recorded by `record-demo.ts` instead.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { allocBatch, LinkType, type LinkDesc } from '../capture/frame.js';
import { corpus } from '../craft/corpus.js';
import { openCaptureWriter, type CaptureFormat } from '../output/capture-writer.js';

const FIRST_SECOND = 1_767_225_600; // 2026-01-01T00:00:00Z

export function writeCorpus(path: string, format: CaptureFormat, linkName = 'net0'): number {
  const frames = corpus();
  const links: LinkDesc[] = [{ name: linkName, linkType: LinkType.ETHERNET, snaplen: 65535 }];
  const total = frames.reduce((n, f) => n + f.bytes.length, 0);
  const batch = allocBatch(frames.length);
  const bytes = new Uint8Array(total);
  let off = 0;
  frames.forEach((f, i) => {
    bytes.set(f.bytes, off);
    batch.offset[i] = off;
    batch.capLen[i] = batch.wireLen[i] = f.bytes.length;
    batch.tsSec[i] = FIRST_SECOND;
    batch.tsNsec[i] = i * 1_000_000 + 123;
    off += f.bytes.length;
  });
  batch.bytes = bytes;
  batch.count = frames.length;
  const writer = openCaptureWriter(path, { format, links });
  for (let i = 0; i < batch.count; i++) writer.write(batch, i);
  writer.close();
  return frames.length;
}

function main(): void {
  const dir = process.argv[2] ?? 'fixtures';
  mkdirSync(dir, { recursive: true });
  for (const format of ['pcap', 'pcapng', 'snoop'] as const) {
    const path = join(dir, `corpus.${format}`);
    const n = writeCorpus(path, format);
    process.stdout.write(`${path}: ${n} frames\n`);
  }
}

if (process.argv[1]?.endsWith('make-fixtures.js')) main();
