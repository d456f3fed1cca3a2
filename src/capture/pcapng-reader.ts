// pcapng files: any number of sections (each with its own byte order and interfaces), EPB, SPB and
// the obsolete PB for packets, ISB for statistics; NRB, comments and unknown blocks are skipped.

import { Direction, PacketType } from './frame.js';
import type { FrameBatch, LinkStats } from './frame.js';
import { ChunkedFileSource, truncated } from './chunk-reader.js';
import type { ChunkReader } from './chunk-reader.js';
import { FileFormatError, hexBytes } from './file-format-error.js';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 1;
const BLOCK_PB = 2;
const BLOCK_SPB = 3;
export const BLOCK_ISB = 5;
export const BLOCK_EPB = 6;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const IF_NAME = 2;
export const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
export const EPB_FLAGS = 2;
export const ISB_ENDTIME = 3;
export const ISB_IFRECV = 4;
export const ISB_IFDROP = 5;

/** Wireshark's limit too: a longer block is a damaged length field, not a real block. */
const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;
/** Block header plus the first body word, enough to read an SHB's byte-order magic. */
const BLOCK_PEEK = 12;
const MAX_LINKS = 65536;
const TWO_32 = 4294967296;

/** epb_flags reception type (bits 2-4) → PacketType; 255 when not stated. */
const RECEPTION_TO_PKTTYPE = [255, PacketType.HOST, PacketType.MULTICAST, PacketType.BROADCAST, PacketType.OTHERHOST, 255, 255, 255];

/** How one interface's 64-bit timestamps become seconds and nanoseconds, fixed per IDB. */
const enum TsKind {
  /** 10^-n with n <= 9: exact long division in 16-bit steps. */
  Decimal,
  /** 2^-n with n <= 32: shifts and an exact fraction scale. */
  Binary,
  /** Anything finer: BigInt per packet (no real capture uses these). */
  Wide,
}

interface TsResolution {
  kind: TsKind;
  /** Units per second (10^n or 2^n) as a number, for Decimal and Binary. */
  units: number;
  /** Decimal: nanoseconds per unit (10^(9-n)). */
  nsPerUnit: number;
  /** Binary: n. */
  shift: number;
  /** Wide: units per second. */
  wideUnits: bigint;
  /** if_tsoffset, seconds added to every timestamp. */
  offsetSec: number;
}

function tsResolution(tsresol: number, offsetSec: number): TsResolution {
  const binary = (tsresol & 0x80) !== 0;
  const n = tsresol & 0x7f;
  const res: TsResolution = { kind: TsKind.Wide, units: 0, nsPerUnit: 0, shift: n, wideUnits: 0n, offsetSec };
  if (!binary && n <= 9) {
    res.kind = TsKind.Decimal;
    res.units = 10 ** n;
    res.nsPerUnit = 10 ** (9 - n);
  } else if (binary && n <= 32) {
    res.kind = TsKind.Binary;
    res.units = 2 ** n;
  } else {
    res.wideUnits = binary ? 1n << BigInt(n) : 10n ** BigInt(n);
  }
  return res;
}

/** Store the timestamp (hi*2^32 + lo units) into batch slot `n`, exactly, without BigInt for real resolutions. */
function setTimestamp(res: TsResolution, hi: number, lo: number, batch: FrameBatch, n: number): void {
  let sec: number;
  let nsec: number;
  if (res.kind === TsKind.Decimal) {
    // Long division of the 64-bit count by units (< 2^30), 16 bits at a time: every
    // intermediate stays below 2^46, so the doubles are exact.
    const units = res.units;
    const qHi = Math.floor(hi / units);
    let rem = hi - qHi * units;
    let cur = rem * 65536 + (lo >>> 16);
    const qMid = Math.floor(cur / units);
    rem = cur - qMid * units;
    cur = rem * 65536 + (lo & 0xffff);
    const qLow = Math.floor(cur / units);
    rem = cur - qLow * units;
    sec = qHi * TWO_32 + qMid * 65536 + qLow;
    nsec = rem * res.nsPerUnit;
  } else if (res.kind === TsKind.Binary) {
    const units = res.units;
    const frac = lo % units;
    sec = hi * (TWO_32 / units) + (lo - frac) / units;
    if (res.shift <= 16) {
      nsec = Math.floor((frac * 1e9) / units);
    } else {
      // frac * 1e9 can reach 2^62; split frac so each product stays below 2^47.
      const fracHi = Math.floor(frac / 65536);
      const scaled = fracHi * 1e9 + Math.floor(((frac - fracHi * 65536) * 1e9) / 65536);
      nsec = Math.floor(scaled / 2 ** (res.shift - 16));
    }
  } else {
    const units = res.wideUnits;
    const value = (BigInt(hi) << 32n) | BigInt(lo);
    const whole = value / units;
    sec = Number(whole);
    nsec = Number(((value - whole * units) * 1000000000n) / units);
  }
  batch.tsSec[n] = sec + res.offsetSec;
  batch.tsNsec[n] = nsec;
}

function padded(length: number): number {
  return length + ((4 - (length % 4)) % 4);
}

export class PcapngReader extends ChunkedFileSource {
  /** Byte order of the current section. */
  private littleEndian = true;
  private sections = 0;
  /** Section-local interface id → index into `links`. */
  private sectionLinks: number[] = [];
  private readonly resolutions: TsResolution[] = [];
  private readonly isbReceived: (number | undefined)[] = [];
  private readonly isbDropped: (number | undefined)[] = [];

  private constructor(reader: ChunkReader, description: string) {
    super(reader, description, 'pcapng block');
  }

  /**
   * Read the first section header, and the interface descriptions that follow it when they are
   * already buffered, so `links` is known before the first batch.
   */
  static async open(reader: ChunkReader, description: string): Promise<PcapngReader> {
    const source = new PcapngReader(reader, description);
    for (;;) {
      const need = source.walk(source.batch, true);
      if (source.sections > 0) return source;
      if (source.damage) throw source.damage;
      if (!(await reader.ensure(need))) throw truncated('pcapng section header block', reader, need);
    }
  }

  protected fill(batch: FrameBatch): number {
    return this.walk(batch, false);
  }

  override stats(): LinkStats[] {
    return this.links.map((_, i) => ({
      received: this.isbReceived[i] ?? this.recordsPerLink[i],
      dropped: this.isbDropped[i] ?? 0,
    }));
  }

  /**
   * Process whole buffered blocks. With `headersOnly`, stop before the first packet block or
   * after any block that is not fully buffered, without asking for more.
   */
  private walk(batch: FrameBatch, headersOnly: boolean): number {
    const reader = this.reader;
    const view = reader.view;
    const capacity = batch.offset.length;
    const end = reader.end;
    let pos = reader.pos;
    let n = batch.count;
    let need = 0;
    blocks: while (n < capacity) {
      if (end - pos < BLOCK_PEEK) {
        need = BLOCK_PEEK;
        break;
      }
      const type = view.getUint32(pos, this.littleEndian);
      let le = this.littleEndian;
      if (type === BLOCK_SHB) {
        // The SHB type reads the same in both orders; its byte-order magic says which one follows.
        const magic = view.getUint32(pos + 8, true);
        if (magic !== BYTE_ORDER_MAGIC && view.getUint32(pos + 8, false) !== BYTE_ORDER_MAGIC) {
          this.corrupt(pos, 'section header', `byte-order magic ${hexBytes(reader.bytes, pos + 8, 4)} is not 1a2b3c4d in either order`);
          break;
        }
        le = magic === BYTE_ORDER_MAGIC;
      } else if (this.sections === 0) {
        this.corrupt(pos, 'file', `first block has type 0x${type.toString(16)}, not a section header`);
        break;
      }
      const length = view.getUint32(pos + 4, le);
      if (length < BLOCK_PEEK || length % 4 !== 0 || length > MAX_BLOCK_LENGTH) {
        this.corrupt(pos, 'block', `block length ${length} is not a multiple of 4 between 12 and ${MAX_BLOCK_LENGTH}`);
        break;
      }
      if (end - pos < length) {
        need = length;
        break;
      }
      const trailer = view.getUint32(pos + length - 4, le);
      if (trailer !== length) {
        this.corrupt(pos, 'block', `trailing length ${trailer} differs from block length ${length}`);
        break;
      }
      switch (type) {
        case BLOCK_SHB:
          if (!this.readSectionHeader(pos, length, le)) break blocks;
          break;
        case BLOCK_IDB:
          if (!this.readInterface(pos, length)) break blocks;
          break;
        case BLOCK_EPB:
        case BLOCK_PB:
        case BLOCK_SPB:
          if (headersOnly) break blocks;
          if (!this.readPacket(type, pos, length, batch, n)) break blocks;
          n++;
          break;
        case BLOCK_ISB:
          if (!this.readStatistics(pos, length)) break blocks;
          break;
        default:
          // NRB, DSB, custom and unknown blocks carry nothing we deliver.
          break;
      }
      pos += length;
    }
    reader.pos = pos;
    batch.count = n;
    return need;
  }

  private readSectionHeader(pos: number, length: number, le: boolean): boolean {
    if (length < 28) return this.corrupt(pos, 'section header', `block length ${length} is below the 28-byte minimum`);
    const major = this.reader.view.getUint16(pos + 12, le);
    const minor = this.reader.view.getUint16(pos + 14, le);
    if (major !== 1) return this.corrupt(pos, 'section header', `unsupported version ${major}.${minor}`);
    this.littleEndian = le;
    this.sections++;
    this.sectionLinks = [];
    return true;
  }

  private readInterface(pos: number, length: number): boolean {
    if (length < 20) return this.corrupt(pos, 'interface description', `block length ${length} is below the 20-byte minimum`);
    const view = this.reader.view;
    const le = this.littleEndian;
    const optStart = pos + 16;
    const optEnd = pos + length - 4;
    const nameAt = this.findOption(optStart, optEnd, IF_NAME);
    const tsresolAt = this.findOption(optStart, optEnd, IF_TSRESOL);
    const offsetAt = this.findOption(optStart, optEnd, IF_TSOFFSET);
    if (nameAt === -2 || tsresolAt === -2 || offsetAt === -2) {
      return this.corrupt(pos, 'interface description', 'an option runs past the end of the block');
    }
    if (this.links.length >= MAX_LINKS) return this.corrupt(pos, 'interface description', `more than ${MAX_LINKS} interfaces`);
    const index = this.links.length;
    const name =
      nameAt >= 0 ? this.reader.bytes.toString('utf8', nameAt, nameAt + view.getUint16(nameAt - 2, le)) : `if${index}`;
    const tsresol = tsresolAt >= 0 && view.getUint16(tsresolAt - 2, le) >= 1 ? this.reader.bytes[tsresolAt] : 6;
    let offsetSec = 0;
    if (offsetAt >= 0 && view.getUint16(offsetAt - 2, le) >= 8) {
      offsetSec = le
        ? view.getInt32(offsetAt + 4, true) * TWO_32 + view.getUint32(offsetAt, true)
        : view.getInt32(offsetAt, false) * TWO_32 + view.getUint32(offsetAt + 4, false);
    }
    this.links.push({ name, linkType: view.getUint16(pos + 8, le), snaplen: view.getUint32(pos + 12, le) });
    this.recordsPerLink.push(0);
    this.resolutions.push(tsResolution(tsresol, offsetSec));
    this.sectionLinks.push(index);
    return true;
  }

  private readPacket(type: number, pos: number, length: number, batch: FrameBatch, n: number): boolean {
    const view = this.reader.view;
    const le = this.littleEndian;
    let link: number;
    let capLen: number;
    let wireLen: number;
    let direction: number = Direction.UNKNOWN;
    let pktType = 255;
    if (type === BLOCK_SPB) {
      if (length < 16) return this.corrupt(pos, 'simple packet', `block length ${length} is below the 16-byte minimum`);
      if (this.sectionLinks.length === 0) return this.corrupt(pos, 'simple packet', 'no interface described in this section');
      link = this.sectionLinks[0];
      wireLen = view.getUint32(pos + 8, le);
      const snaplen = this.links[link].snaplen;
      capLen = snaplen !== 0 && wireLen > snaplen ? snaplen : wireLen;
      if (16 + padded(capLen) > length) {
        return this.corrupt(pos, 'simple packet', `${capLen} captured bytes do not fit in block length ${length}`);
      }
      batch.offset[n] = pos + 12;
      batch.tsSec[n] = 0;
      batch.tsNsec[n] = 0;
    } else {
      const what = type === BLOCK_EPB ? 'enhanced packet' : 'packet';
      if (length < 32) return this.corrupt(pos, what, `block length ${length} is below the 32-byte minimum`);
      const localId = type === BLOCK_EPB ? view.getUint32(pos + 8, le) : view.getUint16(pos + 8, le);
      if (localId >= this.sectionLinks.length) {
        return this.corrupt(pos, what, `interface id ${localId} has no interface description in this section`);
      }
      link = this.sectionLinks[localId];
      capLen = view.getUint32(pos + 20, le);
      wireLen = view.getUint32(pos + 24, le);
      if (32 + padded(capLen) > length) {
        return this.corrupt(pos, what, `caplen ${capLen} does not fit in block length ${length}`);
      }
      const flagsAt = this.findOption(pos + 28 + padded(capLen), pos + length - 4, EPB_FLAGS);
      if (flagsAt === -2) return this.corrupt(pos, what, 'an option runs past the end of the block');
      if (flagsAt >= 0 && view.getUint16(flagsAt - 2, le) >= 4) {
        const flags = view.getUint32(flagsAt, le);
        direction = (flags & 3) === 3 ? Direction.UNKNOWN : flags & 3;
        pktType = RECEPTION_TO_PKTTYPE[(flags >>> 2) & 7];
      }
      // An outbound packet is what Linux calls PACKET_OUTGOING, whatever its destination.
      if (pktType === 255 && direction === Direction.OUT) pktType = PacketType.OUTGOING;
      batch.offset[n] = pos + 28;
      setTimestamp(this.resolutions[link], view.getUint32(pos + 12, le), view.getUint32(pos + 16, le), batch, n);
    }
    batch.capLen[n] = capLen;
    batch.wireLen[n] = wireLen;
    batch.link[n] = link;
    batch.direction[n] = direction;
    batch.pktType[n] = pktType;
    batch.drops[n] = 0;
    this.recordsPerLink[link]++;
    return true;
  }

  private readStatistics(pos: number, length: number): boolean {
    if (length < 24) return this.corrupt(pos, 'interface statistics', `block length ${length} is below the 24-byte minimum`);
    const view = this.reader.view;
    const le = this.littleEndian;
    const localId = view.getUint32(pos + 8, le);
    if (localId >= this.sectionLinks.length) {
      return this.corrupt(pos, 'interface statistics', `interface id ${localId} has no interface description in this section`);
    }
    const link = this.sectionLinks[localId];
    const recvAt = this.findOption(pos + 20, pos + length - 4, ISB_IFRECV);
    const dropAt = this.findOption(pos + 20, pos + length - 4, ISB_IFDROP);
    if (recvAt === -2 || dropAt === -2) return this.corrupt(pos, 'interface statistics', 'an option runs past the end of the block');
    if (recvAt >= 0 && view.getUint16(recvAt - 2, le) >= 8) this.isbReceived[link] = this.readU64(recvAt);
    if (dropAt >= 0 && view.getUint16(dropAt - 2, le) >= 8) this.isbDropped[link] = this.readU64(dropAt);
    return true;
  }

  private readU64(at: number): number {
    const view = this.reader.view;
    return this.littleEndian
      ? view.getUint32(at + 4, true) * TWO_32 + view.getUint32(at, true)
      : view.getUint32(at, false) * TWO_32 + view.getUint32(at + 4, false);
  }

  /**
   * Buffer offset of the value of the first option `code` in [start, end); its length is the
   * u16 just before it. -1 when absent, -2 when an option runs past `end`.
   */
  private findOption(start: number, end: number, code: number): number {
    const view = this.reader.view;
    const le = this.littleEndian;
    let at = start;
    while (at + 4 <= end) {
      const optCode = view.getUint16(at, le);
      if (optCode === OPT_ENDOFOPT) return -1;
      const optLen = view.getUint16(at + 2, le);
      if (at + 4 + optLen > end) return -2;
      if (optCode === code) return at + 4;
      at += 4 + padded(optLen);
    }
    return -1;
  }

  /** Record damage in the block at buffer offset `pos`; returns false for the caller to stop. */
  private corrupt(pos: number, what: string, problem: string): false {
    const at = this.reader.base + pos;
    this.damage = new FileFormatError(`corrupt pcapng ${what} at byte ${at}: ${problem}`, at);
    return false;
  }
}
