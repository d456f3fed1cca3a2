// Classic libpcap savefiles: µs (0xa1b2c3d4) and ns (0xa1b23c4d) magic, in either byte order.

import type { FrameBatch } from './frame.js';
import { FixedHeaderRecordSource, storeTimestamp, truncated } from './chunk-reader.js';
import type { ChunkReader } from './chunk-reader.js';
import { FileFormatError } from './file-format-error.js';

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap's largest accepted caplen; records above it are corruption, not big packets. */
export const PCAP_MAX_CAPLEN = 262144;

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;

export class PcapReader extends FixedHeaderRecordSource {
  /** Timestamp fraction units per second: 1e6 or 1e9. */
  private readonly fracPerSecond: number;
  private readonly nsPerFrac: number;

  private constructor(
    reader: ChunkReader,
    description: string,
    private readonly littleEndian: boolean,
    nano: boolean,
  ) {
    super(reader, description, 'pcap record', RECORD_HEADER);
    this.fracPerSecond = nano ? 1e9 : 1e6;
    this.nsPerFrac = nano ? 1 : 1000;
  }

  /** Parse the global header at reader.pos; the caller has checked the magic is a pcap one. */
  static async open(reader: ChunkReader, description: string): Promise<PcapReader> {
    if (!(await reader.ensure(FILE_HEADER))) throw truncated('pcap file header', reader, FILE_HEADER);
    const view = reader.view;
    const at = reader.pos;
    const magic = view.getUint32(at, true);
    const littleEndian = magic === PCAP_MAGIC_USEC || magic === PCAP_MAGIC_NSEC;
    const nano = (littleEndian ? magic : view.getUint32(at, false)) === PCAP_MAGIC_NSEC;
    const major = view.getUint16(at + 4, littleEndian);
    const minor = view.getUint16(at + 6, littleEndian);
    if (major !== 2) {
      throw new FileFormatError(`unsupported pcap version ${major}.${minor} at byte 4`, reader.base + at + 4);
    }
    const snaplen = view.getUint32(at + 16, littleEndian);
    // The upper bits of the link type field carry FCS information we do not use.
    const linkType = view.getUint32(at + 20, littleEndian) & 0xffff;
    reader.pos += FILE_HEADER;
    const source = new PcapReader(reader, description, littleEndian, nano);
    source.links.push({ name: 'link0', linkType, snaplen });
    source.recordsPerLink.push(0);
    return source;
  }

  protected recordLength(pos: number): number {
    const capLen = this.reader.view.getUint32(pos + 8, this.littleEndian);
    if (capLen > PCAP_MAX_CAPLEN) {
      const at = this.reader.base + pos;
      this.damage = new FileFormatError(
        `corrupt pcap record at byte ${at}: caplen ${capLen} exceeds the ${PCAP_MAX_CAPLEN}-byte maximum`,
        at,
      );
      return -1;
    }
    return RECORD_HEADER + capLen;
  }

  protected storeRecord(batch: FrameBatch, n: number, pos: number): void {
    const view = this.reader.view;
    const le = this.littleEndian;
    storeTimestamp(batch, n, view.getUint32(pos, le), view.getUint32(pos + 4, le), this.fracPerSecond, this.nsPerFrac);
    this.storeFrame(batch, n, pos + RECORD_HEADER, view.getUint32(pos + 8, le), view.getUint32(pos + 12, le), 0);
  }
}
