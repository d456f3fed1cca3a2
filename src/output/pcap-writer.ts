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

/** No cut: larger than any frame, and a small integer so V8 keeps capture lengths in integer registers. */
const NO_CUT = 0x7fffffff;

/** The length to cut frames to for the writer options' snaplen (NO_CUT when there is none). */
export function frameCut(opts: CaptureWriterOptions): number {
  return opts.snaplen !== undefined && opts.snaplen > 0 ? opts.snaplen : NO_CUT;
}

export class PcapWriter implements CaptureWriter {
  packetsWritten = 0;
  /** LINKTYPE in the file header; -1 until the header is written. */
  private linkType = -1;
  /** The link of the last frame written, already checked against `linkType`. */
  private checkedLink = -1;
  private readonly links: readonly LinkDesc[];
  private readonly nano: boolean;
  /** Nanoseconds per unit of the record's fraction field: 1 (ns pcap) or 1000 (µs). */
  private readonly fractionDivisor: number;
  /** Frames are cut to this many bytes. */
  private readonly cut: number;
  /** A DataView over the last batch memory whose headroom took record headers. */
  private headroomBytes: Uint8Array | null = null;
  private headroomView: DataView = new DataView(new ArrayBuffer(0));

  constructor(
    private readonly file: OutputFile,
    private readonly opts: CaptureWriterOptions,
  ) {
    this.links = opts.links;
    this.nano = opts.nano ?? false;
    this.fractionDivisor = this.nano ? 1 : 1000;
    this.cut = frameCut(opts);
    // Without a link yet (live links still opening) the header waits for the first frame.
    if (this.links.length > 0) this.writeHeader(this.links[0]);
  }

  get bytesWritten(): number {
    return this.file.size;
  }

  write(batch: FrameBatch, index: number): void {
    this.writeBatch(batch, index, index + 1);
  }

  writeBatch(batch: FrameBatch, from: number, to: number): void {
    const file = this.file;
    // Live ring frames: each record header goes in front of its frame, and the whole record to
    // the file from there. Anything else is copied into the file buffer.
    const inPlace = batch.headroom >= RECORD_HEADER && batch.address !== 0 && file.gathering;
    const headroomView = inPlace ? this.headroomViewOf(batch.bytes) : null;
    for (let i = from; i < to; i++) {
      if (batch.link[i] !== this.checkedLink) this.checkLink(batch.link[i]);
      let capLen = batch.capLen[i];
      if (capLen > this.cut) capLen = this.cut;
      const offset = batch.offset[i];
      if (headroomView !== null) {
        const at = offset - RECORD_HEADER;
        this.writeRecordHeader(headroomView, at, batch, i, capLen);
        file.placeRecord(batch.address + at, RECORD_HEADER + capLen);
      } else {
        const at = file.reserve(RECORD_HEADER + capLen);
        this.writeRecordHeader(file.view, at, batch, i, capLen);
        file.length = file.placeFrame(batch.bytes, batch.address, offset, capLen, at + RECORD_HEADER);
      }
      this.packetsWritten++;
    }
  }

  /** The file header comes with the first frame's link; every later link must have its link type. */
  private checkLink(linkIndex: number): void {
    const link = this.links[linkIndex];
    if (this.linkType < 0) this.writeHeader(link);
    else if (link !== undefined && link.linkType !== this.linkType) {
      throw new CaptureWriteError(
        `cannot write ${this.file.path}: link ${link.name} has link type ${link.linkType}, but this pcap file holds link type ${this.linkType} only (use pcapng for mixed links)`,
        this.file.path,
        'ERR_CAPTURE_LINKTYPE',
      );
    }
    // A link not described yet (live links still opening) is checked again when it is.
    if (link !== undefined) this.checkedLink = linkIndex;
  }

  endBatch(): void {
    this.file.flushReferences();
  }

  flush(): void {
    this.file.flush();
  }

  close(_stats?: readonly LinkStats[]): void {
    if (this.linkType < 0) this.writeHeader(this.links[0]);
    this.file.close();
  }

  private writeRecordHeader(view: DataView, at: number, batch: FrameBatch, index: number, capLen: number): void {
    // Integer arguments (`>>> 0` wraps as setUint32 would), and no branch on the unit, keep V8
    // from calling out to the DataView builtin per field.
    view.setUint32(at, batch.tsSec[index] >>> 0, true);
    view.setUint32(at + 4, (batch.tsNsec[index] / this.fractionDivisor) >>> 0, true);
    view.setUint32(at + 8, capLen, true);
    view.setUint32(at + 12, batch.wireLen[index], true);
  }

  private headroomViewOf(bytes: Uint8Array): DataView {
    if (bytes !== this.headroomBytes) {
      this.headroomBytes = bytes;
      this.headroomView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.headroomView;
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
