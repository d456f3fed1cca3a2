// MLD inside ICMPv6: v1 (RFC 2710: query/report/done, 24 bytes) and v2 (RFC 3810: query of 28+
// bytes with sources, report 143 with address records). The layer keeps offsets of groups and
// sources; counts are those whose bytes are actually readable.
import { u16 } from './addr.js';
import { noteOnce, noteTruncation } from './l4.js';
import { decodeCode16, readQuerySources, startMembershipLayer, walkGroupRecords } from './membership.js';
import { L, type Packet } from './packet.js';

export const MLD_LISTENER_QUERY = 130;
export const MLD_LISTENER_REPORT = 131;
export const MLD_LISTENER_REDUCTION = 132;
export const MLD_V2_LISTENER_REPORT = 143;

const MLD_MINLEN = 24;
const MLD_V2_QUERY_MINLEN = 28;

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
  startMembershipLayer(pkt, m, off, len, stop);
  m.checksumOk = checksumOk;

  if (m.type === MLD_V2_LISTENER_REPORT) {
    m.version = 2;
    // The ICMPv6 decoder has made sure the 8-byte report header is readable.
    walkGroupRecords(pkt, m, off, stop, msgEnd, 16, 'MLD', 'MLDv2 report');
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
  readQuerySources(pkt, m, off + 24, 16, stop, msgEnd, 'MLD query');
}
