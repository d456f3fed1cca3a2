// RFC 1761 snoop files (version 2, big-endian), as illumos snoop -o writes them.

import { LinkType } from './frame.js';
import type { FrameBatch, LinkStats } from './frame.js';
import { FixedHeaderRecordSource, storeTimestamp, truncated } from './chunk-reader.js';
import type { ChunkReader } from './chunk-reader.js';
import { FileFormatError, hexBytes } from './file-format-error.js';

const FILE_HEADER = 16;
const RECORD_HEADER = 24;
export const SNOOP_MAGIC = 'snoop\0\0\0';
export const SNOOP_VERSION = 2;
/** DLPI DL_ETHER; DL_CSMACD (802.3, value 0) frames are read as Ethernet too. */
export const SNOOP_DL_ETHER = 4;
const SNOOP_DL_CSMACD = 0;
const MAX_INCLUDED = 262144;
/** bufmod pads records generously, but never by more than this. */
const MAX_PADDING = 65536;

export class SnoopReader extends FixedHeaderRecordSource {
  /** Cumulative drop count from the last record read. */
  private lastDrops = 0;

  private constructor(reader: ChunkReader, description: string) {
    super(reader, description, 'snoop record', RECORD_HEADER);
  }

  /** Parse the file header at reader.pos; the caller has seen the "snoo" magic start. */
  static async open(reader: ChunkReader, description: string): Promise<SnoopReader> {
    if (!(await reader.ensure(FILE_HEADER))) throw truncated('snoop file header', reader, FILE_HEADER);
    const at = reader.pos;
    const fileAt = reader.base + at;
    if (reader.bytes.toString('latin1', at, at + 8) !== SNOOP_MAGIC) {
      throw new FileFormatError(`unknown capture file format at byte ${fileAt}: magic ${hexBytes(reader.bytes, at, 8)}`, fileAt);
    }
    const version = reader.view.getUint32(at + 8, false);
    if (version !== SNOOP_VERSION) {
      throw new FileFormatError(`unsupported snoop version ${version} at byte ${fileAt + 8}`, fileAt + 8);
    }
    const datalink = reader.view.getUint32(at + 12, false);
    if (datalink !== SNOOP_DL_ETHER && datalink !== SNOOP_DL_CSMACD) {
      throw new FileFormatError(`unsupported snoop datalink type ${datalink} at byte ${fileAt + 12}`, fileAt + 12);
    }
    reader.pos += FILE_HEADER;
    const source = new SnoopReader(reader, description);
    source.links.push({ name: 'link0', linkType: LinkType.ETHERNET, snaplen: 0 });
    source.recordsPerLink.push(0);
    return source;
  }

  protected recordLength(pos: number): number {
    const view = this.reader.view;
    const included = view.getUint32(pos + 4, false);
    const recordLen = view.getUint32(pos + 8, false);
    const problem =
      included > MAX_INCLUDED
        ? `included length ${included} exceeds the ${MAX_INCLUDED}-byte maximum`
        : recordLen < RECORD_HEADER + included
          ? `record length ${recordLen} is shorter than its header and ${included} data bytes`
          : recordLen > RECORD_HEADER + included + MAX_PADDING
            ? `record length ${recordLen} leaves more than ${MAX_PADDING} bytes of padding`
            : null;
    if (problem !== null) {
      const at = this.reader.base + pos;
      this.damage = new FileFormatError(`corrupt snoop record at byte ${at}: ${problem}`, at);
      return -1;
    }
    return recordLen;
  }

  protected storeRecord(batch: FrameBatch, n: number, pos: number): void {
    const view = this.reader.view;
    const drops = view.getUint32(pos + 12, false);
    storeTimestamp(batch, n, view.getUint32(pos + 16, false), view.getUint32(pos + 20, false), 1e6, 1000);
    this.storeFrame(batch, n, pos + RECORD_HEADER, view.getUint32(pos + 4, false), view.getUint32(pos, false), drops);
    this.lastDrops = drops;
  }

  override stats(): LinkStats[] {
    return [{ received: this.recordsPerLink[0], dropped: this.lastDrops }];
  }
}

