// IGMP v1/v2/v3 (RFC 1112, 2236, 3376). The version of a query follows from its length and code
// as in snoop and the illumos stack: 8 bytes with code 0 is v1, 8 with a code is v2, 12 or more is
// v3, 9 to 11 is no version at all. Reports carry their version in the type.
import { onesSum, u16, u32 } from './addr.js';
import { noteOnce, noteTruncation } from './l4.js';
import { decodeCode8 } from './membership.js';
import { L, MAX_RECORDS, type Packet } from './packet.js';

export const IGMP_MEMBERSHIP_QUERY = 0x11;
export const IGMP_V1_MEMBERSHIP_REPORT = 0x12;
export const IGMP_V2_MEMBERSHIP_REPORT = 0x16;
export const IGMP_V2_LEAVE_GROUP = 0x17;
export const IGMP_V3_MEMBERSHIP_REPORT = 0x22;

const IGMP_MINLEN = 8;
const IGMP_V3_QUERY_MINLEN = 12;
const IGMP_V3_RECORD_LEN = 8;

/** Decode the IGMP message at `off`, `len` bytes as IP claims; `whole` when all of it was captured. */
export function decodeIgmp(pkt: Packet, off: number, len: number, whole: boolean): void {
  const b = pkt.bytes;
  const g = pkt.igmp;
  const msgEnd = off + len;
  const stop = Math.min(msgEnd, pkt.end);
  pkt.layers |= L.IGMP;
  g.present = true;
  g.short = false;
  g.malformed = false;
  g.off = off;
  g.len = len;
  g.version = 0;
  g.type = stop > off ? b[off] : 0;
  g.code = stop > off + 1 ? b[off + 1] : 0;
  g.checksum = stop >= off + 4 ? u16(b, off + 2) : 0;
  g.checksumOk = null;
  g.group = 0;
  g.groupOff = 0;
  g.maxRespMs = 0;
  g.suppress = false;
  g.qrv = g.qqi = 0;
  g.sourceCount = g.sourcesOff = 0;
  g.recordCount = 0;

  if (stop < off + IGMP_MINLEN) {
    g.malformed = len < IGMP_MINLEN;
    g.short = noteTruncation(pkt, off + IGMP_MINLEN, msgEnd, 'IGMP packet');
    return;
  }
  if (whole) {
    g.checksumOk = onesSum(b, off, len) === 0xffff;
    if (!g.checksumOk) noteOnce(pkt, 'bad IGMP checksum');
  }
  g.groupOff = off + 4;
  g.group = u32(b, off + 4);
  switch (g.type) {
    case IGMP_MEMBERSHIP_QUERY:
      decodeQuery(pkt, off, len, stop, msgEnd);
      return;
    case IGMP_V1_MEMBERSHIP_REPORT:
      g.version = 1;
      return;
    case IGMP_V2_MEMBERSHIP_REPORT:
    case IGMP_V2_LEAVE_GROUP:
      g.version = 2;
      g.maxRespMs = g.code * 100;
      return;
    case IGMP_V3_MEMBERSHIP_REPORT:
      g.version = 3;
      g.group = 0;
      g.groupOff = 0;
      decodeReport(pkt, off, stop, msgEnd);
      return;
  }
}

function decodeQuery(pkt: Packet, off: number, len: number, stop: number, msgEnd: number): void {
  const b = pkt.bytes;
  const g = pkt.igmp;
  if (len === IGMP_MINLEN) {
    g.version = g.code === 0 ? 1 : 2;
    g.maxRespMs = g.code * 100;
    return;
  }
  if (len < IGMP_V3_QUERY_MINLEN) {
    g.malformed = true;
    noteOnce(pkt, 'malformed IGMP packet');
    return;
  }
  g.version = 3;
  g.maxRespMs = decodeCode8(g.code) * 100;
  if (stop < off + IGMP_V3_QUERY_MINLEN) {
    g.short = noteTruncation(pkt, off + IGMP_V3_QUERY_MINLEN, msgEnd, 'IGMP query');
    return;
  }
  g.suppress = (b[off + 8] & 0x08) !== 0;
  g.qrv = b[off + 8] & 0x07;
  g.qqi = decodeCode8(b[off + 9]);
  const claimed = u16(b, off + 10);
  g.sourcesOff = off + IGMP_V3_QUERY_MINLEN;
  const fit = Math.floor((stop - g.sourcesOff) / 4);
  g.sourceCount = Math.min(claimed, fit);
  if (claimed > fit) g.short = noteTruncation(pkt, g.sourcesOff + 4 * claimed, msgEnd, 'IGMP query');
}

function decodeReport(pkt: Packet, off: number, stop: number, msgEnd: number): void {
  const b = pkt.bytes;
  const g = pkt.igmp;
  const claimed = u16(b, off + 6);
  let p = off + IGMP_MINLEN;
  let n = 0;
  for (; n < claimed; n++) {
    if (n === MAX_RECORDS) {
      noteOnce(pkt, `more than ${MAX_RECORDS} IGMP records: rest not shown`);
      break;
    }
    if (p + IGMP_V3_RECORD_LEN > stop) {
      g.short = noteTruncation(pkt, p + IGMP_V3_RECORD_LEN, msgEnd, 'IGMPv3 report');
      break;
    }
    const sources = u16(b, p + 2);
    const recEnd = p + IGMP_V3_RECORD_LEN + 4 * sources + 4 * b[p + 1];
    g.recordType[n] = b[p];
    g.recordGroupOff[n] = p + 4;
    g.recordSourcesOff[n] = p + IGMP_V3_RECORD_LEN;
    g.recordSourceCount[n] = Math.min(sources, Math.floor((stop - (p + IGMP_V3_RECORD_LEN)) / 4));
    if (recEnd > stop) {
      n++;
      g.short = noteTruncation(pkt, recEnd, msgEnd, 'IGMPv3 report');
      break;
    }
    p = recEnd;
  }
  g.recordCount = n;
}
