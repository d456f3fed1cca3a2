// MLD inside ICMPv6: v1 (RFC 2710: query/report/done, 24 bytes) and v2 (RFC 3810: query of 28+
// bytes with sources, report 143 with address records). The layer keeps offsets of groups and
// sources; counts are those whose bytes are actually readable.
import { u16 } from './addr.js';
import { noteOnce, noteTruncation } from './l4.js';
import { decodeCode16, decodeCode8 } from './membership.js';
import { L, MAX_RECORDS, type Packet } from './packet.js';

export const MLD_LISTENER_QUERY = 130;
export const MLD_LISTENER_REPORT = 131;
export const MLD_LISTENER_REDUCTION = 132;
export const MLD_V2_LISTENER_REPORT = 143;

const MLD_MINLEN = 24;
const MLD_V2_QUERY_MINLEN = 28;
const MLD_V2_REPORT_HEADER = 8;
const MLD_V2_RECORD_LEN = 20;

export function isMldType(type: number): boolean {
  return type === MLD_LISTENER_QUERY || type === MLD_LISTENER_REPORT || type === MLD_LISTENER_REDUCTION || type === MLD_V2_LISTENER_REPORT;
}

/**
 * Decode the MLD message at `off` (the ICMPv6 header, already known to be 8+ bytes captured).
 * `checksumOk` is the ICMPv6 verdict, copied so MLD consumers need not look at icmp6.
 */
export function decodeMld(pkt: Packet, off: number, len: number, checksumOk: boolean | null): void {
  const b = pkt.bytes;
  const m = pkt.mld;
  const msgEnd = off + len;
  const stop = Math.min(msgEnd, pkt.end);
  pkt.layers |= L.MLD;
  m.present = true;
  m.short = false;
  m.malformed = false;
  m.off = off;
  m.len = len;
  m.type = b[off];
  m.code = b[off + 1];
  m.checksum = u16(b, off + 2);
  m.checksumOk = checksumOk;
  m.group = 0;
  m.groupOff = 0;
  m.maxRespMs = 0;
  m.suppress = false;
  m.qrv = m.qqi = 0;
  m.sourceCount = m.sourcesOff = 0;
  m.recordCount = 0;
  m.version = 0;

  if (m.type === MLD_V2_LISTENER_REPORT) {
    m.version = 2;
    decodeReport(pkt, off, stop, msgEnd);
    return;
  }
  if (m.type === MLD_LISTENER_QUERY && len !== MLD_MINLEN && len < MLD_V2_QUERY_MINLEN) {
    // 25..27 bytes (or under 24) fits neither version: snoop's "Unknown membership query".
    m.malformed = true;
    noteOnce(pkt, 'malformed MLD query');
    return;
  }
  if (len < MLD_MINLEN) {
    m.malformed = true;
    noteOnce(pkt, 'malformed MLD message');
    return;
  }
  m.version = m.type === MLD_LISTENER_QUERY && len >= MLD_V2_QUERY_MINLEN ? 2 : 1;
  const need = off + (m.version === 2 ? MLD_V2_QUERY_MINLEN : MLD_MINLEN);
  if (stop < need) {
    m.short = noteTruncation(pkt, need, msgEnd, 'MLD message');
    return;
  }
  const code = u16(b, off + 4);
  m.groupOff = off + 8;
  if (m.version === 1) {
    m.maxRespMs = code;
    return;
  }
  m.maxRespMs = decodeCode16(code);
  m.suppress = (b[off + 24] & 0x08) !== 0;
  m.qrv = b[off + 24] & 0x07;
  m.qqi = decodeCode8(b[off + 25]);
  const claimed = u16(b, off + 26);
  m.sourcesOff = off + MLD_V2_QUERY_MINLEN;
  const fit = Math.floor((stop - m.sourcesOff) / 16);
  m.sourceCount = Math.min(claimed, fit);
  if (claimed > fit) m.short = noteTruncation(pkt, m.sourcesOff + 16 * claimed, msgEnd, 'MLD query');
}

function decodeReport(pkt: Packet, off: number, stop: number, msgEnd: number): void {
  const b = pkt.bytes;
  const m = pkt.mld;
  // The ICMPv6 decoder has made sure the 8-byte header (all the report header is) is readable.
  const claimed = u16(b, off + 6);
  let p = off + MLD_V2_REPORT_HEADER;
  let n = 0;
  for (; n < claimed; n++) {
    if (n === MAX_RECORDS) {
      noteOnce(pkt, `more than ${MAX_RECORDS} MLD records: rest not shown`);
      break;
    }
    if (p + MLD_V2_RECORD_LEN > stop) {
      m.short = noteTruncation(pkt, p + MLD_V2_RECORD_LEN, msgEnd, 'MLDv2 report');
      break;
    }
    const sources = u16(b, p + 2);
    const recEnd = p + MLD_V2_RECORD_LEN + 16 * sources + 4 * b[p + 1];
    m.recordType[n] = b[p];
    m.recordGroupOff[n] = p + 4;
    m.recordSourcesOff[n] = p + MLD_V2_RECORD_LEN;
    const fit = Math.floor((stop - (p + MLD_V2_RECORD_LEN)) / 16);
    m.recordSourceCount[n] = Math.min(sources, fit);
    if (recEnd > stop) {
      n++;
      m.short = noteTruncation(pkt, recEnd, msgEnd, 'MLDv2 report');
      break;
    }
    p = recEnd;
  }
  m.recordCount = n;
}
