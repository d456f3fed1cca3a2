// pcapng output: one IDB per link (written when the link's first frame arrives), EPBs with ns
// timestamps, direction/reception flags and annotation comments, ISBs with totals at close.

import { Direction, LinkType, PacketType } from '../capture/frame.js';
import type { FrameBatch, LinkDesc, LinkStats } from '../capture/frame.js';
import type { CaptureWriter, CaptureWriterOptions } from './capture-writer.js';
import { padding } from './output-file.js';
import type { OutputFile } from './output-file.js';
import { frameCut, snaplenFor } from './pcap-writer.js';
import {
  BLOCK_EPB,
  BLOCK_IDB,
  BLOCK_ISB,
  BLOCK_SHB,
  BYTE_ORDER_MAGIC,
  EPB_FLAGS,
  IF_NAME,
  IF_TSRESOL,
  ISB_ENDTIME,
  ISB_IFDROP,
  ISB_IFRECV,
  OPT_COMMENT,
} from '../capture/pcapng-reader.js';

const TWO_32 = 4294967296;
const SHB_USERAPPL = 4;
const MAX_OPTION = 65535;
const APPLICATION = 'dlsnoop';

/** PacketType → epb_flags reception type (bits 2-4); outgoing frames say so in the direction bits. */
const RECEPTION: Record<number, number> = {
  [PacketType.HOST]: 1,
  [PacketType.MULTICAST]: 2,
  [PacketType.BROADCAST]: 3,
  [PacketType.OTHERHOST]: 4,
};

export class PcapngWriter implements CaptureWriter {
  packetsWritten = 0;
  private readonly links: readonly LinkDesc[];
  /** Link index → interface id in this file, assigned when the link's IDB is written. */
  private readonly interfaceIds: number[] = [];
  private interfaces = 0;
  private readonly cut: number;

  constructor(
    private readonly file: OutputFile,
    private readonly opts: CaptureWriterOptions,
  ) {
    this.links = opts.links;
    this.cut = frameCut(opts);
    this.writeSectionHeader();
  }

  get bytesWritten(): number {
    return this.file.size;
  }

  write(batch: FrameBatch, index: number, comments?: readonly string[]): void {
    const link = batch.link[index];
    const id = this.interfaceIds[link] ?? this.writeInterface(link);
    const file = this.file;
    const capLen = batch.capLen[index] < this.cut ? batch.capLen[index] : this.cut;
    let direction = batch.direction[index];
    const pktType = batch.pktType[index];
    if (direction === Direction.UNKNOWN && pktType === PacketType.OUTGOING) direction = Direction.OUT;
    const flags = direction | ((RECEPTION[pktType] ?? 0) << 2);
    let bound = 28 + capLen + 3 + (flags !== 0 ? 8 : 0) + 8;
    if (comments) for (const c of comments) bound += 4 + 3 + Math.min(Buffer.byteLength(c, 'utf8'), MAX_OPTION);
    const at = file.reserve(bound);
    const view = file.view;
    view.setUint32(at, BLOCK_EPB, true);
    view.setUint32(at + 8, id, true);
    writeNanoseconds(view, at + 12, batch.tsSec[index], batch.tsNsec[index]);
    view.setUint32(at + 20, capLen, true);
    view.setUint32(at + 24, batch.wireLen[index], true);
    file.copyFrame(batch.bytes, batch.offset[index], capLen, at + 28);
    file.zero(at + 28 + capLen, padding(capLen));
    let end = at + 28 + capLen + padding(capLen);
    const optionsStart = end;
    if (flags !== 0) {
      view.setUint16(end, EPB_FLAGS, true);
      view.setUint16(end + 2, 4, true);
      view.setUint32(end + 4, flags, true);
      end += 8;
    }
    if (comments) for (const c of comments) end = this.writeStringOption(end, OPT_COMMENT, c);
    if (end !== optionsStart) end = this.writeEndOfOptions(end);
    this.finishBlock(at, end);
    this.packetsWritten++;
  }

  /** Blocks hold copies of their frames (their lengths are counted in the buffer), so nothing waits. */
  endBatch(): void {}

  flush(): void {
    this.file.flush();
  }

  close(stats?: readonly LinkStats[]): void {
    if (stats) {
      const now = Date.now();
      const sec = Math.floor(now / 1000);
      const nsec = (now - sec * 1000) * 1e6;
      const count = Math.min(stats.length, this.links.length);
      for (let link = 0; link < count; link++) this.writeStatistics(link, stats[link], sec, nsec);
    }
    this.file.close();
  }

  private writeSectionHeader(): void {
    const at = this.file.reserve(28 + 4 + MAX_OPTION + 8);
    const view = this.file.view;
    view.setUint32(at, BLOCK_SHB, true);
    view.setUint32(at + 8, BYTE_ORDER_MAGIC, true);
    view.setUint16(at + 12, 1, true);
    view.setUint16(at + 14, 0, true);
    // Section length unknown: -1.
    view.setInt32(at + 16, -1, true);
    view.setInt32(at + 20, -1, true);
    let end = this.writeStringOption(at + 24, SHB_USERAPPL, APPLICATION);
    end = this.writeEndOfOptions(end);
    this.finishBlock(at, end);
  }

  /** Write the IDB for `link` and return its interface id. */
  private writeInterface(link: number): number {
    const desc = this.links[link];
    const name = desc?.name ?? `link${link}`;
    const at = this.file.reserve(16 + 4 + MAX_OPTION + 3 + 8 + 8);
    const view = this.file.view;
    view.setUint32(at, BLOCK_IDB, true);
    view.setUint16(at + 8, desc?.linkType ?? LinkType.ETHERNET, true);
    view.setUint16(at + 10, 0, true);
    view.setUint32(at + 12, snaplenFor(desc, this.opts.snaplen), true);
    let end = this.writeStringOption(at + 16, IF_NAME, name);
    view.setUint16(end, IF_TSRESOL, true);
    view.setUint16(end + 2, 1, true);
    view.setUint32(end + 4, 9, true);
    end = this.writeEndOfOptions(end + 8);
    this.finishBlock(at, end);
    const id = this.interfaces++;
    this.interfaceIds[link] = id;
    return id;
  }

  private writeStatistics(link: number, stats: LinkStats, sec: number, nsec: number): void {
    const id = this.interfaceIds[link] ?? this.writeInterface(link);
    const at = this.file.reserve(64);
    const view = this.file.view;
    view.setUint32(at, BLOCK_ISB, true);
    view.setUint32(at + 8, id, true);
    writeNanoseconds(view, at + 12, sec, nsec);
    view.setUint16(at + 20, ISB_ENDTIME, true);
    view.setUint16(at + 22, 8, true);
    writeNanoseconds(view, at + 24, sec, nsec);
    let end = this.writeCounterOption(at + 32, ISB_IFRECV, stats.received);
    end = this.writeCounterOption(end, ISB_IFDROP, stats.dropped);
    end = this.writeEndOfOptions(end);
    this.finishBlock(at, end);
  }

  private writeCounterOption(at: number, code: number, value: number): number {
    const view = this.file.view;
    view.setUint16(at, code, true);
    view.setUint16(at + 2, 8, true);
    view.setUint32(at + 4, value % TWO_32, true);
    view.setUint32(at + 8, Math.floor(value / TWO_32), true);
    return at + 12;
  }

  /** Write a UTF-8 option at buf[at] (cut to whole characters within 65535 bytes); returns its end. */
  private writeStringOption(at: number, code: number, text: string): number {
    const buf = this.file.buf;
    const length = buf.write(text, at + 4, Math.min(MAX_OPTION, buf.length - at - 4), 'utf8');
    this.file.view.setUint16(at, code, true);
    this.file.view.setUint16(at + 2, length, true);
    this.file.zero(at + 4 + length, padding(length));
    return at + 4 + length + padding(length);
  }

  private writeEndOfOptions(at: number): number {
    this.file.view.setUint32(at, 0, true);
    return at + 4;
  }

  /** Fill in both length fields of the block that starts at `at` and whose body ends at `end`. */
  private finishBlock(at: number, end: number): void {
    const length = end + 4 - at;
    this.file.view.setUint32(at + 4, length, true);
    this.file.view.setUint32(end, length, true);
    this.file.length = end + 4;
  }
}

/**
 * Store sec*1e9 + nsec as pcapng's (high, low) 32-bit words at `at`, exactly: the product
 * passes 2^53, so it is built from 16-bit pieces whose partial products stay below 2^48.
 */
export function writeNanoseconds(view: DataView, at: number, sec: number, nsec: number): void {
  const secHi = Math.floor(sec / 65536);
  const secLo = sec - secHi * 65536;
  const x = secHi * 1e9;
  const xHi = Math.floor(x / 65536);
  const z = (x - xHi * 65536) * 65536 + secLo * 1e9 + nsec;
  const zHi = Math.floor(z / TWO_32);
  view.setUint32(at, xHi + zHi, true);
  view.setUint32(at + 4, z - zHi * TWO_32, true);
}
