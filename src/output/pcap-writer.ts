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
  /**
   * Units of the record's fraction field per nanosecond: 1 (ns pcap) or 0.001 (µs). A multiply,
   * because V8 divides by a field with idiv, which cost a tenth of a live record's JS time. The
   * product truncates exactly: 0.001 as a double is a hair above 1/1000, so a whole number of
   * microseconds never comes out below itself, and any other count is at least 0.001 clear of
   * the next whole one.
   */
  private readonly fractionScale: number;
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
    this.fractionScale = this.nano ? 1 : 0.001;
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
    // Live ring frames: each record header goes in front of its frame, and the whole record to
    // the file from there. Anything else is copied into the file buffer.
    if (batch.headroom >= RECORD_HEADER && batch.address !== 0 && this.file.gathering) this.writeInPlace(batch, from, to);
    else this.writeCopies(batch, from, to);
  }

  private writeCopies(batch: FrameBatch, from: number, to: number): void {
    const file = this.file;
    for (let i = from; i < to; i++) {
      if (batch.link[i] !== this.checkedLink) this.checkLink(batch.link[i]);
      const capLen = this.cutLength(batch.capLen[i]);
      const at = file.reserve(RECORD_HEADER + capLen);
      this.writeRecordHeader(file.view, at, batch, i, capLen);
      file.length = file.placeFrame(batch.bytes, batch.address, batch.offset[i], capLen, at + RECORD_HEADER);
      this.packetsWritten++;
    }
  }

  private writeInPlace(batch: FrameBatch, from: number, to: number): void {
    const file = this.file;
    const view = this.headroomViewOf(batch.bytes);
    // The file header, if the first frame brings it, must be in the buffer before records are listed.
    if (this.linkType < 0 && from < to) this.checkLink(batch.link[from]);
    const low = batch.address % 2 ** 32;
    const high = (batch.address - low) / 2 ** 32;
    let i = from;
    while (i < to) {
      const end = Math.min(to, i + file.openRecords());
      for (; i < end; i++) {
        if (batch.link[i] !== this.checkedLink) this.checkLink(batch.link[i]);
        const capLen = this.cutLength(batch.capLen[i]);
        const at = batch.offset[i] - RECORD_HEADER;
        this.writeRecordHeader(view, at, batch, i, capLen);
        const recordLow = low + at;
        if (recordLow < 2 ** 32) file.listRecord(recordLow, high, RECORD_HEADER + capLen);
        else file.listRecord(recordLow - 2 ** 32, high + 1, RECORD_HEADER + capLen);
        this.packetsWritten++;
      }
    }
  }

  private cutLength(capLen: number): number {
    return capLen > this.cut ? this.cut : capLen;
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
    view.setUint32(at + 4, (batch.tsNsec[index] * this.fractionScale) >>> 0, true);
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
