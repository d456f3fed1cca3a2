// Classic libpcap savefiles: µs (0xa1b2c3d4) and ns (0xa1b23c4d) magic, in either byte order.

import { Direction } from './frame.js';
import type { FrameBatch } from './frame.js';
import { ChunkedFileSource, truncated } from './chunk-reader.js';
import type { ChunkReader } from './chunk-reader.js';
import { FileFormatError } from './file-format-error.js';

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap's largest accepted caplen; records above it are corruption, not big packets. */
export const PCAP_MAX_CAPLEN = 262144;

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;

export class PcapReader extends ChunkedFileSource {
  /** Timestamp fraction units per second: 1e6 or 1e9. */
  private readonly fracPerSecond: number;
  private readonly nsPerFrac: number;

  private constructor(
    reader: ChunkReader,
    description: string,
    private readonly littleEndian: boolean,
    nano: boolean,
  ) {
    super(reader, description, 'pcap record');
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

  protected fill(batch: FrameBatch): number {
    const reader = this.reader;
    const view = reader.view;
    const le = this.littleEndian;
    const fracPerSecond = this.fracPerSecond;
    const nsPerFrac = this.nsPerFrac;
    const capacity = batch.offset.length;
    const end = reader.end;
    const first = batch.count;
    let pos = reader.pos;
    let n = first;
    let need = 0;
    while (n < capacity) {
      if (end - pos < RECORD_HEADER) {
        need = RECORD_HEADER;
        break;
      }
      const capLen = view.getUint32(pos + 8, le);
      if (capLen > PCAP_MAX_CAPLEN) {
        const at = reader.base + pos;
        this.damage = new FileFormatError(
          `corrupt pcap record at byte ${at}: caplen ${capLen} exceeds the ${PCAP_MAX_CAPLEN}-byte maximum`,
          at,
        );
        break;
      }
      if (end - pos < RECORD_HEADER + capLen) {
        need = RECORD_HEADER + capLen;
        break;
      }
      const sec = view.getUint32(pos, le);
      const frac = view.getUint32(pos + 4, le);
      if (frac < fracPerSecond) {
        batch.tsSec[n] = sec;
        batch.tsNsec[n] = frac * nsPerFrac;
      } else {
        // An out-of-range fraction still names an exact instant; carry it into the seconds.
        const carry = Math.floor(frac / fracPerSecond);
        batch.tsSec[n] = sec + carry;
        batch.tsNsec[n] = (frac - carry * fracPerSecond) * nsPerFrac;
      }
      batch.offset[n] = pos + RECORD_HEADER;
      batch.capLen[n] = capLen;
      batch.wireLen[n] = view.getUint32(pos + 12, le);
      batch.link[n] = 0;
      batch.direction[n] = Direction.UNKNOWN;
      batch.pktType[n] = 255;
      batch.drops[n] = 0;
      pos += RECORD_HEADER + capLen;
      n++;
    }
    this.recordsPerLink[0] += n - first;
    reader.pos = pos;
    batch.count = n;
    return need;
  }
}
