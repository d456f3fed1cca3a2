// A classic pcap savefile of whole frames, for tests that hand a capture to tcpdump, tshark or
// dlsnoop's own readers. Frame i is stamped at `firstSecond + i` seconds.

export interface PcapFileOptions {
  /** Byte order of every header field (default little-endian). */
  littleEndian?: boolean;
  /** Nanosecond magic instead of microsecond (the fractions are all zero either way). */
  nano?: boolean;
  snaplen?: number;
  /** DLT / LINKTYPE value (default 1, Ethernet). */
  linkType?: number;
  firstSecond?: number;
}

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

export function pcapFileBytes(frames: Uint8Array[], opts: PcapFileOptions = {}): Buffer {
  const le = opts.littleEndian ?? true;
  const firstSecond = opts.firstSecond ?? 1_700_000_000;
  const size = frames.reduce((sum, f) => sum + RECORD_HEADER + f.length, FILE_HEADER);
  const out = Buffer.alloc(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  view.setUint16(4, 2, le);
  view.setUint16(6, 4, le);
  view.setUint32(16, opts.snaplen ?? 65535, le);
  view.setUint32(20, opts.linkType ?? 1, le);
  let at = FILE_HEADER;
  frames.forEach((frame, i) => {
    view.setUint32(at, firstSecond + i, le);
    view.setUint32(at + 8, frame.length, le);
    view.setUint32(at + 12, frame.length, le);
    out.set(frame, at + RECORD_HEADER);
    at += RECORD_HEADER + frame.length;
  });
  return out;
}
