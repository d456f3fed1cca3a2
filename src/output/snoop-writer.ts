// RFC 1761 snoop output (version 2, DL_ETHER), readable by illumos snoop and Wireshark.

import { LinkType } from '../capture/frame.js';
import type { FrameBatch, LinkDesc, LinkStats } from '../capture/frame.js';
import type { CaptureWriter, CaptureWriterOptions } from './capture-writer.js';
import { SNOOP_DL_ETHER, SNOOP_MAGIC, SNOOP_VERSION } from '../capture/snoop-reader.js';
import { frameCut } from './pcap-writer.js';
import { CaptureWriteError, padding } from './output-file.js';
import type { OutputFile } from './output-file.js';

const RECORD_HEADER = 24;

export class SnoopWriter implements CaptureWriter {
  packetsWritten = 0;
  private readonly links: readonly LinkDesc[];
  private readonly cut: number;

  constructor(
    private readonly file: OutputFile,
    opts: CaptureWriterOptions,
  ) {
    this.links = opts.links;
    this.cut = frameCut(opts);
    for (const link of this.links) this.checkLink(link);
    const at = file.reserve(16);
    file.buf.write(SNOOP_MAGIC, at, 'latin1');
    file.view.setUint32(at + 8, SNOOP_VERSION, false);
    file.view.setUint32(at + 12, SNOOP_DL_ETHER, false);
    file.length = at + 16;
  }

  get bytesWritten(): number {
    return this.file.size;
  }

  write(batch: FrameBatch, index: number): void {
    const link = this.links[batch.link[index]];
    if (link !== undefined) this.checkLink(link);
    const file = this.file;
    const capLen = batch.capLen[index] < this.cut ? batch.capLen[index] : this.cut;
    const pad = padding(capLen);
    const recordLen = RECORD_HEADER + capLen + pad;
    const at = file.reserve(recordLen);
    const view = file.view;
    view.setUint32(at, batch.wireLen[index], false);
    view.setUint32(at + 4, capLen, false);
    view.setUint32(at + 8, recordLen, false);
    view.setUint32(at + 12, batch.drops[index], false);
    // `>>> 0` wraps as setUint32 would, and hands it an integer.
    view.setUint32(at + 16, batch.tsSec[index] >>> 0, false);
    view.setUint32(at + 20, (batch.tsNsec[index] / 1000) >>> 0, false);
    const end = file.placeFrame(batch.bytes, batch.address, batch.offset[index], capLen, at + RECORD_HEADER);
    file.zero(end, pad);
    file.length = end + pad;
    this.packetsWritten++;
  }

  endBatch(): void {
    this.file.flushReferences();
  }

  flush(): void {
    this.file.flush();
  }

  close(_stats?: readonly LinkStats[]): void {
    this.file.close();
  }

  private checkLink(link: LinkDesc): void {
    if (link.linkType === LinkType.ETHERNET) return;
    throw new CaptureWriteError(
      `cannot write ${this.file.path}: link ${link.name} has link type ${link.linkType}, but snoop files hold Ethernet only (use pcap or pcapng)`,
      this.file.path,
      'ERR_CAPTURE_LINKTYPE',
    );
  }
}
