import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { openFileSource } from '../../src/capture/file-source.js';
import { Direction, LinkType, PacketType } from '../../src/capture/frame.js';
import type { LinkDesc } from '../../src/capture/frame.js';
import { formatOfPath, openCaptureWriter } from '../../src/output/capture-writer.js';
import type { CaptureWriter } from '../../src/output/capture-writer.js';
import { CaptureWriteError } from '../../src/output/output-file.js';
import { batchOf, makeFrames, pcapFile, readAll, sameFrames, snoopFile, tempDir } from '../capture/file-fixtures.js';
import type { TestFrame } from '../capture/file-fixtures.js';
import { requireCommandInCi } from '../helpers/tools.js';

const dir = tempDir();
let n = 0;
const path = (ext: string) => join(dir, `w${n++}.${ext}`);
const eth = (name: string): LinkDesc => ({ name, linkType: LinkType.ETHERNET, snaplen: 65535 });

/** Write `frames` through `writer` in batches of 7 (so records come from several batches). */
function writeAll(writer: CaptureWriter, frames: readonly TestFrame[], comments?: (i: number) => string[]): void {
  for (let at = 0; at < frames.length; at += 7) {
    const batch = batchOf(frames.slice(at, at + 7));
    for (let i = 0; i < batch.count; i++) writer.write(batch, i, comments?.(at + i));
  }
}

/** Frames with every direction / reception combination pcapng can say. */
function flaggedFrames(count: number, links: number): TestFrame[] {
  const kinds = [
    [Direction.IN, PacketType.HOST],
    [Direction.OUT, PacketType.OUTGOING],
    [Direction.UNKNOWN, 255],
    [Direction.IN, PacketType.BROADCAST],
    [Direction.IN, PacketType.MULTICAST],
    [Direction.IN, PacketType.OTHERHOST],
    [Direction.UNKNOWN, PacketType.MULTICAST],
  ];
  return makeFrames(count, 3, { nano: true, links }).map((f, i) => ({ ...f, direction: kinds[i % 7][0], pktType: kinds[i % 7][1] }));
}

describe('capture writers round trip', () => {
  for (const nano of [false, true]) {
    it(`pcap (${nano ? 'ns' : 'µs'}): read → write → read gives the same frames and the very same bytes`, async () => {
      const frames = makeFrames(60, 12, { nano });
      const original = pcapFile(frames, { le: true, nano, snaplen: 65535, linkType: 1 });
      const inPath = path('pcap');
      writeFileSync(inPath, original);
      const source = await openFileSource(inPath);
      const outPath = path('pcap');
      const writer = openCaptureWriter(outPath, { links: source.links, nano });
      for await (const batch of source.batches()) for (let i = 0; i < batch.count; i++) writer.write(batch, i);
      writer.close(source.stats());
      await source.close();
      expect(writer.packetsWritten).toBe(60);
      expect(readFileSync(outPath).equals(original)).toBe(true);
      const back = await readAll(await openFileSource(outPath));
      expect(back.error).toBeNull();
      expect(sameFrames(back.frames, frames)).toBe('same');
    });
  }

  it('snoop: read → write → read keeps bytes, µs timestamps and cumulative drops', async () => {
    const frames = makeFrames(45, 13);
    frames.forEach((f, i) => (f.drops = i >> 3));
    const original = snoopFile(frames);
    const inPath = path('snoop');
    writeFileSync(inPath, original);
    const source = await openFileSource(inPath);
    const outPath = path('snoop');
    const writer = openCaptureWriter(outPath, { links: source.links });
    for await (const batch of source.batches()) for (let i = 0; i < batch.count; i++) writer.write(batch, i);
    writer.close();
    await source.close();
    expect(readFileSync(outPath).equals(original)).toBe(true);
    const back = await readAll(await openFileSource(outPath));
    expect(sameFrames(back.frames, frames)).toBe('same');
    expect(back.links).toEqual([{ name: 'link0', linkType: LinkType.ETHERNET, snaplen: 0 }]);
  });

  it('pcapng: links, ns timestamps, direction and reception flags and ISB statistics survive', async () => {
    const links = [eth('eth0'), { name: 'net1', linkType: LinkType.LINUX_SLL, snaplen: 0 }, eth('ipmp0')];
    const frames = flaggedFrames(70, 3);
    // Timestamps past 2^53 ns, with every nanosecond digit significant.
    frames.forEach((f, i) => ((f.sec = 1_999_999_999 - i), (f.nsec = 999_999_999 - i * 13)));
    const outPath = path('pcapng');
    const writer = openCaptureWriter(outPath, { links });
    writeAll(writer, frames, (i) => (i % 4 === 0 ? [`IPMP: probe ${i}`, 'second comment'] : []));
    writer.close([
      { received: 1234, dropped: 5 },
      { received: 2 ** 40 + 7, dropped: 0 },
      { received: 23, dropped: 1 },
    ]);
    const source = await openFileSource(outPath);
    const back = await readAll(source);
    expect(back.error).toBeNull();
    expect(back.links).toEqual([eth('eth0'), { name: 'net1', linkType: LinkType.LINUX_SLL, snaplen: 262144 }, eth('ipmp0')]);
    expect(sameFrames(back.frames, frames)).toBe('same');
    expect(source.stats()).toEqual([
      { received: 1234, dropped: 5 },
      { received: 2 ** 40 + 7, dropped: 0 },
      { received: 23, dropped: 1 },
    ]);
    // Read → write → read again: nothing changes.
    const again = path('pcapng');
    const source2 = await openFileSource(outPath);
    const writer2 = openCaptureWriter(again, { links: source2.links });
    for await (const batch of source2.batches()) for (let i = 0; i < batch.count; i++) writer2.write(batch, i);
    writer2.close(source2.stats());
    await source2.close();
    expect(sameFrames((await readAll(await openFileSource(again))).frames, frames)).toBe('same');
  });

  it('pcapng: an IDB is written when a link first appears, in order of first use', async () => {
    const links: LinkDesc[] = [];
    const outPath = path('pcapng');
    const writer = openCaptureWriter(outPath, { links });
    links.push(eth('a'), eth('b'));
    const frames = makeFrames(6, 5, { nano: true });
    frames.forEach((f, i) => (f.link = i < 2 ? 1 : i < 4 ? 0 : 2));
    const batch = batchOf(frames);
    writer.write(batch, 0);
    writer.write(batch, 1);
    writer.write(batch, 2);
    writer.write(batch, 3);
    links.push({ name: 'c', linkType: LinkType.RAW, snaplen: 1500 });
    writer.write(batch, 4);
    writer.write(batch, 5);
    writer.close();
    const back = await readAll(await openFileSource(outPath));
    expect(back.links.map((l) => l.name)).toEqual(['b', 'a', 'c']);
    expect(back.frames.map((f) => f.link)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(back.links[2]).toEqual({ name: 'c', linkType: LinkType.RAW, snaplen: 1500 });
  });

  it('cuts frames to the snap length it records, keeping the wire length', async () => {
    const frames = makeFrames(10, 8, { maxLen: 100 }).map((f) => ({ ...f, data: new Uint8Array(50 + f.data.length).fill(3) }));
    for (const ext of ['pcap', 'pcapng', 'snoop']) {
      const outPath = path(ext);
      const writer = openCaptureWriter(outPath, { links: [eth('e')], snaplen: 40 });
      writeAll(writer, frames);
      writer.close();
      const back = await readAll(await openFileSource(outPath));
      expect(back.frames.map((f) => f.data.length)).toEqual(frames.map(() => 40));
      expect(back.frames.map((f) => f.wireLen)).toEqual(frames.map((f) => f.wireLen));
      if (ext !== 'snoop') expect(back.links[0].snaplen).toBe(40);
    }
  });

  it('chooses the format by option, then by extension, else pcap', () => {
    expect(formatOfPath('x.PCAPNG')).toBe('pcapng');
    expect(formatOfPath('x.snoop')).toBe('snoop');
    expect(formatOfPath('x.cap')).toBeUndefined();
    const p = path('out');
    openCaptureWriter(p, { links: [eth('e')] }).close();
    expect(readFileSync(p).readUInt32LE(0)).toBe(0xa1b2c3d4);
    const q = path('pcap');
    openCaptureWriter(q, { links: [eth('e')], format: 'snoop' }).close();
    expect(readFileSync(q).toString('latin1', 0, 5)).toBe('snoop');
  });
});

describe('capture writer refusals and write errors', () => {
  it('pcap refuses a second link type with a typed error; snoop refuses non-Ethernet links', () => {
    const links = [eth('eth0'), { name: 'any', linkType: LinkType.LINUX_SLL, snaplen: 0 }];
    const writer = openCaptureWriter(path('pcap'), { links });
    const frames = makeFrames(2, 1);
    frames[1].link = 1;
    const batch = batchOf(frames);
    writer.write(batch, 0);
    const err = (() => {
      try {
        writer.write(batch, 1);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CaptureWriteError);
    expect((err as CaptureWriteError).code).toBe('ERR_CAPTURE_LINKTYPE');
    expect((err as Error).message).toMatch(/link any has link type 113/);
    writer.close();
    expect(() => openCaptureWriter(path('snoop'), { links: [links[1]] })).toThrow(/snoop files hold Ethernet only/);
  });

  it('names the file and the errno text when the device is full (/dev/full)', () => {
    for (const format of ['pcap', 'pcapng', 'snoop'] as const) {
      const writer = openCaptureWriter('/dev/full', { links: [eth('e')], format });
      writeAll(writer, makeFrames(20, 2));
      let err: unknown;
      try {
        writer.close();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CaptureWriteError);
      expect((err as Error).message).toBe('cannot write /dev/full: No space left on device');
      expect((err as CaptureWriteError).code).toBe('ENOSPC');
      // A second close (the CLI's finally) is quiet; further writes repeat the error.
      expect(() => writer.close()).not.toThrow();
      expect(() => writeAll(writer, makeFrames(1, 2))).toThrow(/No space left on device/);
    }
  });

  it('fails in write() once the buffer fills, without waiting for close', () => {
    const writer = openCaptureWriter('/dev/full', { links: [eth('e')] });
    const frames = makeFrames(3000, 4, { maxLen: 1500 });
    expect(() => writeAll(writer, frames)).toThrow('cannot write /dev/full: No space left on device');
    expect(writer.packetsWritten).toBeLessThan(3000);
  });

  it('reports an unwritable path as a CaptureWriteError', () => {
    expect(() => openCaptureWriter(join(dir, 'no/such/dir/x.pcap'), { links: [] })).toThrow(/cannot write .*x\.pcap: No such file or directory/);
  });

  it('cuts a regular file back to its last whole record when a write fails (RLIMIT_FSIZE)', async () => {
    // The child writes ~3.7 MB of pcap under a 2500 KiB file size limit; writes past it fail with EFBIG.
    const outPath = path('pcap');
    const script = join(dir, `limit${n++}.ts`);
    writeFileSync(
      script,
      `import { openCaptureWriter } from ${JSON.stringify(join(process.cwd(), 'src/output/capture-writer.ts'))};
import { batchOf, makeFrames } from ${JSON.stringify(join(process.cwd(), 'test/capture/file-fixtures.ts'))};
const writer = openCaptureWriter(${JSON.stringify(outPath)}, { links: [{ name: 'e', linkType: 1, snaplen: 65535 }] });
const batch = batchOf(makeFrames(5000, 6, { maxLen: 1500 }));
try { for (let i = 0; i < batch.count; i++) writer.write(batch, i); writer.close(); console.log('no error'); }
catch (e) { console.log(e.message); }
`,
    );
    const vite = join(process.cwd(), 'node_modules/.bin/vite-node');
    const child = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 2500; exec "${vite}" "${script}"`], { encoding: 'utf8', timeout: 30_000 });
    expect(child.stdout.trim()).toBe(`cannot write ${outPath}: File too large`);
    const size = statSync(outPath).size;
    expect(size).toBeGreaterThan(1024 * 1024);
    expect(size).toBeLessThanOrEqual(2500 * 1024);
    const back = await readAll(await openFileSource(outPath));
    expect(back.error).toBeNull();
    expect(back.frames.length).toBeGreaterThan(0);
    expect(sameFrames(back.frames, makeFrames(5000, 6, { maxLen: 1500 }).slice(0, back.frames.length))).toBe('same');
  });
});

describe('readers of other tools accept our files', () => {
  it('pcap-parser reads our µs pcap with the same bytes and timestamps', async () => {
    const require = createRequire(import.meta.url);
    const pcapParser = require('pcap-parser') as { parse(path: string): EventEmitter };
    const frames = makeFrames(30, 17);
    const outPath = path('pcap');
    const writer = openCaptureWriter(outPath, { links: [eth('eth0')] });
    writeAll(writer, frames);
    writer.close();
    interface Parsed {
      header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
      data: Buffer;
    }
    const packets: Parsed[] = [];
    let linkType = -1;
    await new Promise<void>((resolve, reject) => {
      const parser = pcapParser.parse(outPath);
      parser.on('globalHeader', (h: { linkLayerType: number }) => (linkType = h.linkLayerType));
      parser.on('packet', (p: Parsed) => packets.push(p));
      parser.on('end', resolve);
      parser.on('error', reject);
    });
    expect(linkType).toBe(1);
    expect(packets.length).toBe(frames.length);
    packets.forEach((p, i) => {
      expect(p.header.timestampSeconds).toBe(frames[i].sec);
      expect(p.header.timestampMicroseconds * 1000).toBe(frames[i].nsec);
      expect(p.header.capturedLength).toBe(frames[i].data.length);
      expect(p.header.originalLength).toBe(frames[i].wireLen);
      expect(p.data.equals(Buffer.from(frames[i].data))).toBe(true);
    });
  });

  const haveTshark = requireCommandInCi('tshark');
  describe.runIf(haveTshark)('tshark', () => {
    function tshark(file: string): string[][] {
      const out = spawnSync(
        'tshark',
        ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.interface_name', '-e', 'frame.comment'],
        { encoding: 'utf8' },
      );
      expect(out.status, out.stderr).toBe(0);
      return out.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    }
    /** `1700000000.123456789` from tshark → [sec, nsec], exactly (no float parsing). */
    function epoch(text: string): [number, number] {
      const [sec, frac = ''] = text.split('.');
      return [Number(sec), Number(frac.padEnd(9, '0').slice(0, 9))];
    }
    /** One row a frame, with its exact time, wire and captured lengths and the comment `commentOf(i)`. */
    function expectRowsOf(rows: string[][], frames: readonly TestFrame[], commentOf: (i: number) => string): void {
      expect(rows.length).toBe(frames.length);
      rows.forEach((row, i) => {
        expect(epoch(row[0])).toEqual([frames[i].sec, frames[i].nsec]);
        expect(Number(row[1])).toBe(frames[i].wireLen);
        expect(Number(row[2])).toBe(frames[i].data.length);
        expect(row[4] ?? '').toBe(commentOf(i));
      });
    }

    it('shows our pcapng timestamps, lengths, interface names and comments', () => {
      const links = [eth('eth0'), eth('net1')];
      const frames = flaggedFrames(25, 2);
      frames.forEach((f, i) => (f.nsec = 123_456_789 + i));
      const comments = (i: number): string[] => (i % 3 === 0 ? [`IPMP: probe ${i} from net1`, `ILM: join 239.1.1.${i}`] : i % 3 === 1 ? [`only ${i}`] : []);
      const outPath = path('pcapng');
      const writer = openCaptureWriter(outPath, { links });
      writeAll(writer, frames, comments);
      writer.close([
        { received: 25, dropped: 0 },
        { received: 3, dropped: 1 },
      ]);
      const rows = tshark(outPath);
      expectRowsOf(rows, frames, (i) => comments(i).join(','));
      rows.forEach((row, i) => expect(row[3]).toBe(links[frames[i].link].name));
    });

    for (const ext of ['pcap', 'snoop']) {
      it(`shows our ${ext} timestamps and lengths`, () => {
        const frames = makeFrames(25, 19);
        const outPath = path(ext);
        const writer = openCaptureWriter(outPath, { links: [eth('eth0')] });
        writeAll(writer, frames, () => ['ignored by this format']);
        writer.close();
        expectRowsOf(tshark(outPath), frames, () => '');
      });
    }

    it('shows nanoseconds of our ns pcap', () => {
      const frames = makeFrames(10, 23, { nano: true });
      const outPath = path('pcap');
      const writer = openCaptureWriter(outPath, { links: [eth('eth0')], nano: true });
      writeAll(writer, frames);
      writer.close();
      expect(tshark(outPath).map((r) => epoch(r[0]))).toEqual(frames.map((f) => [f.sec, f.nsec]));
    });
  });
});

describe('standard input and output', () => {
  it("reads '-' from stdin and writes '-' to stdout, byte for byte", () => {
    const frames = makeFrames(300, 41, { maxLen: 1500 });
    const original = pcapFile(frames, { le: true, nano: false, snaplen: 65535, linkType: 1 });
    const script = join(dir, `pipe${n++}.ts`);
    writeFileSync(
      script,
      `import { openFileSource } from ${JSON.stringify(join(process.cwd(), 'src/capture/file-source.ts'))};
import { openCaptureWriter } from ${JSON.stringify(join(process.cwd(), 'src/output/capture-writer.ts'))};
const source = await openFileSource('-');
const writer = openCaptureWriter('-', { links: source.links });
for await (const batch of source.batches()) for (let i = 0; i < batch.count; i++) writer.write(batch, i);
writer.close();
await source.close();
`,
    );
    const child = spawnSync(join(process.cwd(), 'node_modules/.bin/vite-node'), [script], { input: original, timeout: 30_000 });
    expect(child.stderr.toString()).toBe('');
    expect(child.status).toBe(0);
    expect(Buffer.from(child.stdout).equals(original)).toBe(true);
  });
});
