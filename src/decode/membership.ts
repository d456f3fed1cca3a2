// What IGMP (RFC 3376) and MLD (RFC 3810) share: the exponential code format of Max Resp Code
// and QQIC, the tail of v3/v2 queries, and the group records of v3/v2 reports. The two differ
// only in the size of their addresses (4 or 16 bytes).
import { u16 } from './addr.js';
import { noteOnce, noteTruncation, readTypeCodeChecksum } from './l4.js';
import { MAX_RECORDS, type MembershipLayer, type Packet } from './packet.js';

/** 8-bit code (IGMPv3 MRC in 1/10 s, QQIC in s for both): below 128 literal, else mant/exp. */
export function decodeCode8(c: number): number {
  return c < 128 ? c : ((c & 0x0f) | 0x10) << (((c >> 4) & 7) + 3);
}

/** MLDv2 16-bit Maximum Response Code (ms): below 32768 literal, else mant/exp. */
export function decodeCode16(c: number): number {
  return c < 32768 ? c : ((c & 0x0fff) | 0x1000) << (((c >> 12) & 7) + 3);
}

export const RECORD_TYPE_NAMES: readonly string[] = [
  '<unknown>',
  'MODE_IS_INCLUDE',
  'MODE_IS_EXCLUDE',
  'CHANGE_TO_INCLUDE',
  'CHANGE_TO_EXCLUDE',
  'ALLOW_NEW_SOURCES',
  'BLOCK_OLD_SOURCES',
];

/** snoop's record type name, `<unknown>` outside 1..6. */
export function recordTypeName(t: number): string {
  return t >= 1 && t <= 6 ? RECORD_TYPE_NAMES[t] : '<unknown>';
}

/**
 * Start an IGMP or MLD layer at `off`: type, code and checksum as far as captured, and every
 * field a later step may fill cleared, so a short or malformed message leaves no stale values.
 */
export function startMembershipLayer(pkt: Packet, layer: MembershipLayer, off: number, len: number, stop: number): void {
  readTypeCodeChecksum(pkt, layer, off, len, stop);
  layer.malformed = false;
  layer.version = 0;
  layer.group = layer.groupOff = 0;
  layer.maxRespMs = 0;
  layer.suppress = false;
  layer.qrv = layer.qqi = 0;
  layer.sourceCount = layer.sourcesOff = 0;
  layer.recordCount = 0;
}

/**
 * Read the part IGMPv3 and MLDv2 queries share, starting at `p` right after the group address
 * (the caller has made sure its 4 bytes are readable): S flag and QRV, QQIC, the source count and
 * the sources of `addrLen` bytes each, counting only those that were captured.
 */
export function readQuerySources(
  pkt: Packet, layer: MembershipLayer, p: number, addrLen: 4 | 16, stop: number, msgEnd: number, what: string,
): void {
  const b = pkt.bytes;
  layer.suppress = (b[p] & 0x08) !== 0;
  layer.qrv = b[p] & 0x07;
  layer.qqi = decodeCode8(b[p + 1]);
  const claimed = u16(b, p + 2);
  layer.sourcesOff = p + 4;
  const fit = Math.floor((stop - layer.sourcesOff) / addrLen);
  layer.sourceCount = Math.min(claimed, fit);
  if (claimed > fit) layer.short = noteTruncation(pkt, layer.sourcesOff + addrLen * claimed, msgEnd, what);
}

/**
 * Walk the group records of an IGMPv3 or MLDv2 report whose 8-byte header (record count in its
 * last two bytes, already known to be readable) is at `off`. Each record is type, aux-data length
 * in 32-bit words, source count, then the group and sources of `addrLen` bytes each. At most
 * MAX_RECORDS are kept; a record cut by the capture is kept with the sources that were captured.
 * `protocol` and `report` name the message in notes ("IGMP", "IGMPv3 report").
 */
export function walkGroupRecords(
  pkt: Packet, layer: MembershipLayer, off: number, stop: number, msgEnd: number,
  addrLen: 4 | 16, protocol: string, report: string,
): void {
  const b = pkt.bytes;
  const recordHeaderLen = 4 + addrLen;
  const claimed = u16(b, off + 6);
  let p = off + 8;
  let n = 0;
  for (; n < claimed; n++) {
    if (n === MAX_RECORDS) {
      noteOnce(pkt, `more than ${MAX_RECORDS} ${protocol} records: rest not shown`);
      break;
    }
    if (p + recordHeaderLen > stop) {
      layer.short = noteTruncation(pkt, p + recordHeaderLen, msgEnd, report);
      break;
    }
    const sources = u16(b, p + 2);
    const sourcesOff = p + recordHeaderLen;
    const recEnd = sourcesOff + addrLen * sources + 4 * b[p + 1];
    layer.recordType[n] = b[p];
    layer.recordGroupOff[n] = p + 4;
    layer.recordSourcesOff[n] = sourcesOff;
    layer.recordSourceCount[n] = Math.min(sources, Math.floor((stop - sourcesOff) / addrLen));
    if (recEnd > stop) {
      n++;
      layer.short = noteTruncation(pkt, recEnd, msgEnd, report);
      break;
    }
    p = recEnd;
  }
  layer.recordCount = n;
}
