// Classic pcap output: one link type per file, µs or ns timestamps, little-endian.

import { LinkType } from '../capture/frame.js';
import type { FrameBatch, LinkDesc, LinkStats } from '../capture/frame.js';
import type { CaptureWriter, CaptureWriterOptions } from './capture-writer.js';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC, PCAP_MAX_CAPLEN } from '../capture/pcap-reader.js';
import { CaptureWriteError } from './output-file.js';
import type { OutputFile } from './output-file.js';

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/** The snap length to record for `link`, given the writer's own cut (0 or undefined = none). */
export function snaplenFor(link: LinkDesc | undefined, cut: number | undefined): number {
  if (cut !== undefined && cut > 0) return cut;
  // libpcap's maximum when no link states one.
  return link !== undefined && link.snaplen > 0 ? link.snaplen : PCAP_MAX_CAPLEN;
}

export class PcapWriter implements CaptureWriter {
  packetsWritten = 0;
  /** LINKTYPE in the file header; -1 until the header is written. */
  private linkType = -1;
  private readonly links: readonly LinkDesc[];
  private readonly nano: boolean;
  /** Frames are cut to this many bytes (Infinity = not cut). */
  private readonly cut: number;

  constructor(
    private readonly file: OutputFile,
    private readonly opts: CaptureWriterOptions,
  ) {
    this.links = opts.links;
    this.nano = opts.nano ?? false;
    this.cut = opts.snaplen !== undefined && opts.snaplen > 0 ? opts.snaplen : Infinity;
    // Without a link yet (live links still opening) the header waits for the first frame.
    if (this.links.length > 0) this.writeHeader(this.links[0]);
  }

  get bytesWritten(): number {
    return this.file.size;
  }

  write(batch: FrameBatch, index: number): void {
    const link = this.links[batch.link[index]];
    if (this.linkType < 0) this.writeHeader(link);
    else if (link !== undefined && link.linkType !== this.linkType) {
      throw new CaptureWriteError(
        `cannot write ${this.file.path}: link ${link.name} has link type ${link.linkType}, but this pcap file holds link type ${this.linkType} only (use pcapng for mixed links)`,
        this.file.path,
        'ERR_CAPTURE_LINKTYPE',
      );
    }
    const file = this.file;
    const capLen = Math.min(batch.capLen[index], this.cut);
    const at = file.reserve(RECORD_HEADER + capLen);
    const view = file.view;
    const nsec = batch.tsNsec[index];
    view.setUint32(at, batch.tsSec[index], true);
    view.setUint32(at + 4, this.nano ? nsec : Math.floor(nsec / 1000), true);
    view.setUint32(at + 8, capLen, true);
    view.setUint32(at + 12, batch.wireLen[index], true);
    file.copyFrame(batch.bytes, batch.offset[index], capLen, at + RECORD_HEADER);
    file.length = at + RECORD_HEADER + capLen;
    this.packetsWritten++;
  }

  flush(): void {
    this.file.flush();
  }

  close(_stats?: readonly LinkStats[]): void {
    if (this.linkType < 0) this.writeHeader(this.links[0]);
    this.file.close();
  }

  private writeHeader(link: LinkDesc | undefined): void {
    this.linkType = link?.linkType ?? LinkType.ETHERNET;
    const at = this.file.reserve(FILE_HEADER);
    const view = this.file.view;
    view.setUint32(at, this.nano ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, true);
    view.setUint16(at + 4, 2, true);
    view.setUint16(at + 6, 4, true);
    view.setUint32(at + 8, 0, true);
    view.setUint32(at + 12, 0, true);
    view.setUint32(at + 16, snaplenFor(link, this.opts.snaplen), true);
    view.setUint32(at + 20, this.linkType, true);
    this.file.length = at + FILE_HEADER;
  }
}
